# frozen_string_literal: true

require_relative 'test_helper'

# The client against the real server: states, channel events, cancellation,
# presence, a Ruby authorizer, listener exceptions, and shutdown while a
# listener runs (which deadlocks without the build's `blocking: true`).
class TestClient < Minitest::Test
  include ServerHelpers

  State = PusherLite::ConnectionState

  def test_connection_states
    client = track(client_builder.build)
    states = ConnectionRecorder.new
    client.add_connection_listener(states)
    client.connect
    assert_equal [:state, State::INITIALIZED, State::CONNECTING], next_item(states.calls) { |c| c[0] == :state }
    assert_equal [:state, State::CONNECTING, State::CONNECTED], next_item(states.calls) { |c| c[0] == :state }
    refute_nil client.socket_id
    client.disconnect
    assert_equal State::DISCONNECTED, next_item(states.calls) { |c| c[0] == :state }[2]
  end

  def test_events_stop_when_the_subscription_is_cancelled
    client = connected
    gone = Recorder.new
    kept = Recorder.new
    sub = client.subscribe('rb-cancel', gone)
    client.subscribe('rb-kept', kept)
    assert_equal [:subscribed, 'rb-cancel', nil], gone.subscribed
    assert_equal :subscribed, kept.subscribed[0]
    publisher.trigger(['rb-cancel'], 'before', '{}')
    assert_equal 'before', gone.event('before').name
    sub.cancel
    assert sub.is_cancelled
    gone.calls.clear # what was called before cancel returned; nothing may follow
    publisher.trigger(['rb-cancel'], 'after', '{}')
    publisher.trigger(['rb-kept'], 'marker', '{}')
    assert_equal 'marker', kept.event('marker').name
    assert gone.calls.empty?, 'nothing reached the cancelled listener'
    assert_raises(PusherLite::PusherError::Closed) { sub.trigger('client-x', '{}') }
  end

  def test_presence_members
    ada = connected(client_builder.authorize_with_publisher(publisher, PusherLite::MemberData.new(user_id: 'ada', user_info: '{"name":"Ada"}')))
    bob = connected(client_builder.authorize_with_publisher(publisher, PusherLite::MemberData.new(user_id: 'bob')))
    room = Recorder.new
    ada.subscribe('presence-rb', room)
    _, channel, members = room.subscribed
    assert_equal 'presence-rb', channel
    assert_equal 1, members.count
    assert_equal PusherLite::Member.new(id: 'ada', info: '{"name":"Ada"}'), members.me
    bob_room = Recorder.new
    bob_sub = bob.subscribe('presence-rb', bob_room)
    assert_equal 2, bob_room.subscribed[2].count
    assert_equal [:member_added, 'presence-rb', PusherLite::Member.new(id: 'bob', info: nil)],
                 next_item(room.calls) { |c| c[0] == :member_added }
    assert_equal %w[ada bob], publisher.users('presence-rb').sort
    assert bob_sub.trigger('client-wave', '{"hi":1}')
    wave = room.event('client-wave')
    assert_equal %w[bob {"hi":1}], [wave.user_id, wave.data]
    bob_sub.cancel
    assert_equal [:member_removed, 'presence-rb', PusherLite::Member.new(id: 'bob', info: nil)],
                 next_item(room.calls) { |c| c[0] == :member_removed }
  end

  # Authorizes with the publisher; refuses `private-no`.
  class RubyAuthorizer
    attr_reader :channels

    def initialize(publisher)
      @publisher = publisher
      @channels = []
    end

    def authorize(socket_id, channel)
      @channels << channel
      raise ArgumentError, 'not this one' if channel == 'private-no'

      @publisher.authorize_channel(socket_id, channel, nil).json
    end
  end

  def test_a_ruby_authorizer
    authorizer = RubyAuthorizer.new(publisher)
    client = connected(client_builder.authorizer(authorizer))
    yes = Recorder.new
    no = Recorder.new
    client.subscribe('private-rb-yes', yes)
    client.subscribe('private-no', no)
    assert_equal :subscribed, yes.subscribed[0]
    kind, _, _, reason = no.subscribed
    assert_equal :subscription_error, kind
    assert_match(/not this one/, reason)
    assert_equal %w[private-no private-rb-yes], authorizer.channels.sort
  end

  # Raises on `first`.
  class Raising < Recorder
    def on_event(event)
      raise 'listener bug' if event.name == 'first'

      super
    end
  end

  def test_listener_exceptions_come_back_as_errors
    client = connected
    room = Raising.new
    client.subscribe('rb-raise', room)
    assert_equal :subscribed, room.subscribed[0]
    publisher.trigger(['rb-raise'], 'first', '{}')
    publisher.trigger(['rb-raise'], 'second', '{}')
    assert_equal 'second', room.event('second').name
    errors = client.listener_errors
    assert_equal 1, errors.length
    assert_match(/listener bug/, errors[0])
  end

  # Holds the listener thread until released.
  class Slow
    attr_reader :started, :finished

    def initialize
      @started = TimedQueue.new
      @finished = []
    end

    def on_event(event)
      return unless event.name == 'slow'

      @started << true
      sleep 0.3
      @finished << event.name
    end
  end

  def test_shutdown_waits_for_a_running_listener_without_deadlock
    client = connected
    slow = Slow.new
    client.add_global_listener(slow)
    room = Recorder.new
    client.subscribe('rb-slow', room)
    assert_equal :subscribed, room.subscribed[0]
    publisher.trigger(['rb-slow'], 'slow', '{}')
    assert next_item(slow.started)
    client.shutdown
    assert_equal ['slow'], slow.finished
    assert_raises(PusherLite::PusherError::Closed) { client.subscribe('rb-slow', Recorder.new) }
  end

  def test_sign_in_and_send_to_user
    client = track(client_builder.authenticate_with_publisher(publisher, '{"id":"rb-carol"}').build)
    user = EventRecorder.new
    everything = EventRecorder.new
    client.add_user_listener(user)
    client.add_global_listener(everything)
    client.signin
    client.connect
    everything.event('pusher:signin_success')
    deadline = Time.now + WAIT
    notice = nil
    while notice.nil? && Time.now < deadline
      publisher.send_to_user('rb-carol', 'notice', '{"n":1}')
      notice = begin
        user.event('notice', 0.3)
      rescue Minitest::Assertion
        nil
      end
    end
    refute_nil notice
    assert_equal '{"n":1}', notice.data
  end
end
