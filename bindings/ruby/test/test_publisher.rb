# frozen_string_literal: true

require_relative 'test_helper'

# The publisher against the real server, and the error variants.
class TestPublisher < Minitest::Test
  include ServerHelpers

  def test_trigger_reaches_a_subscriber
    client = connected
    room = Recorder.new
    client.subscribe('rb-news', room)
    assert_equal :subscribed, room.subscribed[0]
    assert_equal({}, publisher.trigger(['rb-news'], 'headline', '{"n":1}'))
    event = room.event('headline')
    assert_equal ['rb-news', '{"n":1}'], [event.channel, event.data]
  end

  def test_channel_queries_and_batches
    client = connected
    room = Recorder.new
    client.subscribe('rb-occupied', room)
    assert_equal :subscribed, room.subscribed[0]
    info = publisher.trigger_with(['rb-occupied'], 'e', '{}', PusherLite::TriggerOptions.new(info: 'subscription_count'))
    assert_equal 1, info['rb-occupied'].subscription_count
    assert_includes publisher.channels('rb-', nil).keys, 'rb-occupied'
    assert_equal true, publisher.channel('rb-occupied', nil).occupied
    batch = publisher.trigger_batch([PusherLite::BatchEvent.new(channel: 'rb-occupied', name: 'b', data: '2')])
    assert_equal [], batch
    assert_equal '2', room.event('b').data
  end

  def test_errors_are_variants_and_rescuable_as_pusher_error
    wrong = PusherLite::PublisherBuilder.new.address(SERVER.url).app(PusherLiteServer::APP_ID, PusherLiteServer::APP_KEY, 'wrong').build
    error = assert_raises(PusherLite::PusherError::Http) { wrong.trigger(['news'], 'e', '{}') }
    assert_equal 401, error.status
    assert_equal "/apps/#{PusherLiteServer::APP_ID}/events", error.path

    assert_raises(PusherLite::PusherError::Invalid) { publisher.trigger(['bad name'], 'e', '{}') }
    assert_raises(PusherLite::PusherError::Config) { PusherLite::PublisherBuilder.new.build }
    dead = PusherLite::PublisherBuilder.new.address('127.0.0.1:9').app('1', 'k', 's').build
    assert_raises(PusherLite::PusherError::Transport) { dead.trigger(['news'], 'e', '{}') }

    # The build makes every variant a PusherLite::PusherError.
    caught = begin
      publisher.trigger(['bad name'], 'e', '{}')
    rescue PusherLite::PusherError => e
      e
    end
    assert_kind_of PusherLite::PusherError::Invalid, caught
  end

  def test_sessions_and_lite_trigger
    client = connected
    room = Recorder.new
    client.subscribe('general', room)
    assert_equal :subscribed, room.subscribed[0]
    request = PusherLite::SessionRequest.new(user_id: 'ada', listen: ['general'], publish: ['general'])
    token = publisher.request_session(request)
    claims = PusherLite.decode_session(token, PusherLiteServer::ORG_TOKEN, Time.now.to_i)
    assert_equal ['acme-inc', 'ada', ['general']], [claims.org, claims.sub, claims.publish]
    minted = PusherLite.decode_session(publisher.mint_session(request), PusherLiteServer::ORG_TOKEN, Time.now.to_i)
    assert_equal claims.listen, minted.listen
    publisher.lite_trigger(token, 'general', 'new_message', '{"name":"rb","message":"hi"}')
    assert_equal({ 'name' => 'rb', 'message' => 'hi' }, JSON.parse(room.event('new_message').data))
  end

  def test_auth_helpers_and_webhooks
    app = PusherLite::AppCredentials.new(app_id: PusherLiteServer::APP_ID, key: PusherLiteServer::APP_KEY, secret: PusherLiteServer::APP_SECRET)
    auth = publisher.authorize_channel('1.2', 'presence-rb', PusherLite::MemberData.new(user_id: 'ada'))
    assert PusherLite.verify_channel_auth(app, '1.2', 'presence-rb', auth.channel_data, auth.auth)
    assert_equal auth.auth, JSON.parse(auth.json)['auth']
    body = JSON.generate(time_ms: (Time.now.to_f * 1000).to_i, events: [{ name: 'channel_occupied', channel: 'c' }])
    hook = publisher.verify_webhook(PusherLiteServer::APP_KEY, PusherLite.webhook_signature(PusherLiteServer::APP_SECRET, body), body)
    assert_equal [PusherLite::WebhookEvent::CHANNEL_OCCUPIED.new(channel: 'c')], hook.events
    assert_raises(PusherLite::PusherError::Webhook) { publisher.verify_webhook(PusherLiteServer::APP_KEY, '0' * 64, body) }
  end

  def test_async_methods
    client = connected
    room = Recorder.new
    client.subscribe('rb-async', room)
    assert_equal :subscribed, room.subscribed[0]
    assert_equal({}, publisher.trigger_async(['rb-async'], 'later', '{}'))
    assert_equal 'later', room.event('later').name
    assert_raises(PusherLite::PusherError::Invalid) { publisher.trigger_async(['bad name'], 'e', '{}') }
  end
end
