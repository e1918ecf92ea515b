# frozen_string_literal: true

# The Ex Pusher Lite Rails flow in plain Ruby (WEBrick from Debian's
# ruby-webrick, the binding from `cargo xtask bindings`):
#
# - GET /        the page: a session token for this visitor, requested from
#                the realtime service (what the Rails example POSTed to
#                /api/sessions), handed to the page's PusherLite client;
# - POST /events the form post: queued for a background job, which triggers
#                `new_message` on `general` through the publisher (the Rails
#                SendEventsJob.perform_later), answered 202 at once.
#
#   ruby app.rb   (configured by the PUSHER_LITE_* variables `cargo xtask demo` prints)
require 'erb'
require 'json'
require 'securerandom'
require 'webrick'
require 'pusher_lite'

module ChatApp
  CHANNEL = 'general'

  # The realtime service's settings, from the Ex Pusher Lite variables.
  Config = Struct.new(:host, :organization, :secret_token, :app_id, :app_key, :app_secret, keyword_init: true) do
    def self.from_env(env = ENV)
      new(
        host: env.fetch('PUSHER_LITE_HOST', '127.0.0.1:6001'),
        organization: env.fetch('PUSHER_LITE_ORGANIZATION', 'acme-inc'),
        secret_token: env.fetch('PUSHER_LITE_SECRET_TOKEN'),
        app_id: env.fetch('PUSHER_LITE_APP_ID'),
        app_key: env.fetch('PUSHER_LITE_APP_KEY'),
        app_secret: env.fetch('PUSHER_LITE_APP_SECRET')
      )
    end

    def publisher
      PusherLite::PublisherBuilder.new
                                  .address(host)
                                  .app(app_id, app_key, app_secret)
                                  .organization(organization, secret_token)
                                  .build
    end
  end

  # The background job queue: one worker thread triggering events, so a slow
  # realtime service never holds up a web request.
  class SendEventsJob
    attr_reader :failures

    def initialize(publisher)
      @publisher = publisher
      @queue = Queue.new
      @failures = Queue.new
      @worker = Thread.new { work }
    end

    def perform_later(name, message)
      @queue << { name: name, message: message }
    end

    def stop
      @queue << :stop
      @worker.join(10)
    end

    private

    def work
      loop do
        job = @queue.pop
        break if job == :stop

        begin
          @publisher.trigger([CHANNEL], 'new_message', JSON.generate(job))
        rescue PusherLite::PusherError => e
          @failures << e
          warn "new_message was not sent: #{e.message}"
        end
      end
    end
  end

  PAGE = ERB.new(<<~HTML)
    <!doctype html>
    <html>
    <head><meta charset="utf-8"><title>Pusher Lite Demo (Ruby)</title><link rel="icon" href="data:,"></head>
    <body>
      <form method="post" action="/events">
        <input name="name" placeholder="Name"> <input name="message" placeholder="Message">
        <button>Send message</button>
      </form>
      <div id="chat"></div>
      <script src="<%= script_url %>"></script>
      <script>
        var pusher = new PusherLite(<%= JSON.generate(app_key) %>, {
          host: <%= JSON.generate(host) %>, jwt: <%= JSON.generate(jwt) %>, uniqueUserId: <%= JSON.generate(user_id) %>
        });
        var channel = pusher.subscribe(<%= JSON.generate(CHANNEL) %>);
        channel.bind("new_message", function (data) {
          var p = document.createElement("p");
          p.textContent = data.name + ": " + data.message;
          document.getElementById("chat").appendChild(p);
        });
        pusher.joinAll();
      </script>
    </body>
    </html>
  HTML

  # The WEBrick server with the two routes; `port: 0` picks a free port.
  def self.server(config, port: 4567, logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN))
    publisher = config.publisher
    jobs = SendEventsJob.new(publisher)
    server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: port, Logger: logger, AccessLog: [])
    server.mount_proc('/') do |req, res|
      raise WEBrick::HTTPStatus::NotFound unless req.path == '/' && req.request_method == 'GET'

      user_id = "guest-#{SecureRandom.hex(3)}"
      request = PusherLite::SessionRequest.new(user_id: user_id, listen: [CHANNEL], publish: [CHANNEL])
      jwt = publisher.request_session(request)
      host = config.host
      app_key = config.app_key
      script_url = "http://#{host}/js/pusher.js"
      res['Content-Type'] = 'text/html; charset=utf-8'
      res.body = PAGE.result(binding)
    end
    server.mount_proc('/events') do |req, res|
      raise WEBrick::HTTPStatus::MethodNotAllowed unless req.request_method == 'POST'

      name = req.query['name'].to_s.strip
      message = req.query['message'].to_s.strip
      if name.empty? || message.empty?
        res.status = 422
        res.body = 'name and message are both needed'
      else
        jobs.perform_later(name, message)
        res.status = 202
        res.body = 'queued'
      end
    end
    server.define_singleton_method(:jobs) { jobs }
    server
  end
end

if $PROGRAM_NAME == __FILE__
  server = ChatApp.server(ChatApp::Config.from_env, port: Integer(ENV.fetch('PORT', '4567')))
  trap('INT') { server.shutdown }
  puts "Ruby chat example on http://127.0.0.1:#{server.config[:Port]}/"
  server.start
  server.jobs.stop
end
