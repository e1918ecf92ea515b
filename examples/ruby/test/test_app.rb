# frozen_string_literal: true

# The Ruby example against the real pusher-lite-server process: the page's
# session token subscribes a real client, and a form post, sent on by the
# background job, arrives as new_message.
require 'minitest/autorun'
require 'net/http'
require 'json'
require_relative '../app'
require_relative '../../../tests/support/ruby/pusher_lite_server'

WAIT = 10

class TestChatApp < Minitest::Test
  SERVER = PusherLiteServer.start
  Minitest.after_run { SERVER.stop }

  # Queues what a subscription hears.
  class Recorder
    def initialize
      @calls = Queue.new
    end

    def on_subscribed(_channel, _members) = @calls << [:subscribed]
    def on_subscription_error(_channel, status, reason) = @calls << [:subscription_error, status, reason]
    def on_event(event) = @calls << [:event, event]
    def on_member_added(_channel, _member) = nil
    def on_member_removed(_channel, _member) = nil

    def next_call(wait = WAIT)
      deadline = Time.now + wait
      loop do
        return @calls.pop(true) unless @calls.empty?
        raise Minitest::Assertion, 'timed out waiting for a listener call' if Time.now > deadline

        sleep 0.01
      end
    end

    def event(name)
      loop do
        call = next_call
        return call[1] if call[0] == :event && call[1].name == name
      end
    end
  end

  def setup
    config = ChatApp::Config.new(
      host: SERVER.address, organization: PusherLiteServer::ORG, secret_token: PusherLiteServer::ORG_TOKEN,
      app_id: PusherLiteServer::APP_ID, app_key: PusherLiteServer::APP_KEY, app_secret: PusherLiteServer::APP_SECRET
    )
    @app = ChatApp.server(config, port: 0, logger: WEBrick::Log.new(File::NULL))
    @thread = Thread.new { @app.start }
    @base = URI("http://127.0.0.1:#{@app.config[:Port]}")
    @clients = []
  end

  def teardown
    @clients.each(&:shutdown)
    @app.shutdown
    @thread.join(10)
    @app.jobs.stop
  end

  def client(token = nil)
    builder = PusherLite::ClientBuilder.new(PusherLiteServer::APP_KEY).address(SERVER.address)
    builder = builder.session_token(token) if token
    client = builder.build
    @clients << client
    client.connect
    assert client.wait_for_state(PusherLite::ConnectionState::CONNECTED, WAIT * 1000)
    client
  end

  def test_the_page_carries_a_session_token_that_subscribes_and_publishes
    page = Net::HTTP.get_response(@base)
    assert_equal '200', page.code
    token = page.body[/jwt: "([^"]+)"/, 1]
    refute_nil token, 'the page hands its client a session token'
    assert_includes page.body, "http://#{SERVER.address}/js/pusher.js"
    room = Recorder.new
    sub = client(token).subscribe('general', room)
    assert_equal [:subscribed], room.next_call
    assert sub.trigger('new_message', '{"name":"page","message":"hi"}')
    assert_equal({ 'name' => 'page', 'message' => 'hi' }, JSON.parse(room.event('new_message').data))
  end

  def test_a_form_post_is_sent_by_the_background_job
    room = Recorder.new
    client.subscribe('general', room)
    assert_equal [:subscribed], room.next_call
    response = Net::HTTP.post_form(URI.join(@base.to_s, '/events'), 'name' => 'Ada', 'message' => 'hello from Ruby')
    assert_equal '202', response.code
    assert_equal({ 'name' => 'Ada', 'message' => 'hello from Ruby' }, JSON.parse(room.event('new_message').data))
    assert @app.jobs.failures.empty?
  end

  def test_an_incomplete_form_is_refused
    response = Net::HTTP.post_form(URI.join(@base.to_s, '/events'), 'name' => 'Ada')
    assert_equal '422', response.code
    assert_equal '405', Net::HTTP.get_response(URI.join(@base.to_s, '/events')).code
  end
end
