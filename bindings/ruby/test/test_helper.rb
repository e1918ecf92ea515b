# frozen_string_literal: true

# Shared by the Ruby suites: the real server (one per run), publishers and
# clients for it, and listeners that queue what the SDK tells them.
require 'minitest/autorun'
require 'json'
require 'pusher_lite'
require_relative '../../../tests/support/ruby/pusher_lite_server'

WAIT = 10

SERVER = PusherLiteServer.start
Minitest.after_run { SERVER.stop }

# A queue whose pop waits at most a given time (Ruby 3.1's Queue cannot).
class TimedQueue
  def initialize
    @items = []
    @lock = Mutex.new
    @added = ConditionVariable.new
  end

  def <<(item)
    @lock.synchronize do
      @items << item
      @added.signal
    end
    self
  end

  def empty? = @lock.synchronize { @items.empty? }
  def clear = @lock.synchronize { @items.clear }

  # The next item, or nil after `wait` seconds.
  def pop(wait)
    deadline = Time.now + wait
    @lock.synchronize do
      while @items.empty?
        left = deadline - Time.now
        return nil if left <= 0

        @added.wait(@lock, left)
      end
      @items.shift
    end
  end
end

# Takes items off `queue` until one satisfies the block, or fails after `wait` s.
def next_item(queue, wait = WAIT)
  deadline = Time.now + wait
  loop do
    item = queue.pop([deadline - Time.now, 0].max)
    raise Minitest::Assertion, 'timed out waiting for a listener call' if item.nil?
    return item if !block_given? || yield(item)
  end
end

# Records every channel listener call as an array.
class Recorder
  attr_reader :calls

  def initialize
    @calls = TimedQueue.new
  end

  def on_subscribed(channel, members) = @calls << [:subscribed, channel, members]
  def on_subscription_error(channel, status, reason) = @calls << [:subscription_error, channel, status, reason]
  def on_event(event) = @calls << [:event, event]
  def on_member_added(channel, member) = @calls << [:member_added, channel, member]
  def on_member_removed(channel, member) = @calls << [:member_removed, channel, member]

  def subscribed = next_item(@calls) { |c| %i[subscribed subscription_error].include?(c[0]) }
  def event(name) = next_item(@calls) { |c| c[0] == :event && c[1].name == name }[1]
end

# Records connection listener calls.
class ConnectionRecorder
  attr_reader :calls

  def initialize
    @calls = TimedQueue.new
  end

  def on_state_change(previous, current) = @calls << [:state, previous, current]
  def on_error(error) = @calls << [:error, error]
end

# Records events.
class EventRecorder
  attr_reader :calls

  def initialize
    @calls = TimedQueue.new
  end

  def on_event(event) = @calls << event
  def event(name, wait = WAIT) = next_item(@calls, wait) { |e| e.name == name }
end

# Publisher and clients for the test server; every client is shut down after
# each test, which joins its listener thread.
module ServerHelpers
  def publisher
    @publisher ||= PusherLite::PublisherBuilder.new
                                               .address(SERVER.url)
                                               .app(PusherLiteServer::APP_ID, PusherLiteServer::APP_KEY, PusherLiteServer::APP_SECRET)
                                               .organization(PusherLiteServer::ORG, PusherLiteServer::ORG_TOKEN)
                                               .encryption_master_key_base64(PusherLiteServer::MASTER_KEY)
                                               .build
  end

  def client_builder = PusherLite::ClientBuilder.new(PusherLiteServer::APP_KEY).address(SERVER.address)

  def track(client)
    (@clients ||= []) << client
    client
  end

  def connected(builder = client_builder)
    client = track(builder.build)
    client.connect
    assert client.wait_for_state(PusherLite::ConnectionState::CONNECTED, WAIT * 1000)
    client
  end

  def teardown
    (@clients || []).each(&:shutdown)
    super
  end
end
