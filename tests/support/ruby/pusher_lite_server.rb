# frozen_string_literal: true

# Runs the real pusher-lite-server binary on a free loopback port, for the
# Ruby suites (the bindings' tests and examples/ruby). The binary is named by
# PUSHER_LITE_SERVER_BIN (cargo xtask test sets it); without it the suites fail.
module PusherLiteServer
  APP_ID = '4242'
  APP_KEY = 'test-key'
  APP_SECRET = 'test-secret'
  ORG = 'acme-inc'
  ORG_TOKEN = 'test-org-token'
  MASTER_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
  START_TIMEOUT = 20

  # A running server process.
  Server = Struct.new(:port, :pid, :out, :log_thread) do
    def address = "127.0.0.1:#{port}"
    def url = "http://127.0.0.1:#{port}"

    def stop
      Process.kill('KILL', pid)
      Process.wait(pid)
    rescue Errno::ESRCH, Errno::ECHILD
      nil
    ensure
      out.close unless out.closed?
      log_thread&.join(5)
    end
  end

  def self.start
    binary = ENV['PUSHER_LITE_SERVER_BIN']
    raise 'PUSHER_LITE_SERVER_BIN is not set: point it at a built pusher-lite-server (cargo xtask test does)' if binary.nil? || binary.empty?

    read, write = IO.pipe
    pid = Process.spawn(
      { 'PUSHER_LITE_LOG' => 'warn' },
      binary, '--host', '127.0.0.1', '--port', '0',
      '--app', "#{APP_ID}:#{APP_KEY}:#{APP_SECRET}", '--org', "#{ORG}:#{ORG_TOKEN}",
      out: write, err: write
    )
    write.close
    seen = +''
    deadline = Time.now + START_TIMEOUT
    port = nil
    while port.nil?
      left = deadline - Time.now
      raise "pusher-lite-server did not start:\n#{seen}" if left <= 0 || !read.wait_readable(left)

      line = read.gets
      raise "pusher-lite-server exited:\n#{seen}" if line.nil?

      seen << line
      port = Regexp.last_match(1).to_i if line =~ %r{listening on http://127\.0\.0\.1:(\d+)}
    end
    # Keep draining the output so the server never blocks on a full pipe.
    drain = Thread.new { read.each_line { |_l| nil } rescue nil }
    Server.new(port, pid, read, drain)
  end
end
