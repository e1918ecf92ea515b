// The Kotlin bindings on the JVM, loaded the way Android loads them (JNA finds
// libpusher_lite_ffi.so by name on jna.library.path), against the real server
// process: the publisher blocking and as suspend functions, the client with
// listeners called from Rust threads, errors as PusherException subclasses.
package io.pusherlite

import java.util.concurrent.LinkedBlockingQueue
import java.util.concurrent.TimeUnit
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotNull
import kotlin.test.assertTrue
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.AfterClass
import org.junit.BeforeClass
import org.junit.Test

private const val APP_ID = "4242"
private const val APP_KEY = "test-key"
private const val APP_SECRET = "test-secret"
private const val ORG = "acme-inc"
private const val ORG_TOKEN = "test-org-token"
private const val MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
private const val WAIT_MS = 10_000L

/** Takes items off the queue until one matches, failing after WAIT_MS. */
fun <T> LinkedBlockingQueue<T>.next(matches: (T) -> Boolean = { true }): T {
    val deadline = System.currentTimeMillis() + WAIT_MS
    while (true) {
        val left = deadline - System.currentTimeMillis()
        val item = poll(maxOf(left, 0), TimeUnit.MILLISECONDS)
            ?: throw AssertionError("timed out waiting for a listener call")
        if (matches(item)) return item
    }
}

sealed class Call {
    data class Subscribed(val channel: String, val members: Members?) : Call()
    data class Refused(val channel: String, val status: UShort?, val reason: String) : Call()
    data class Got(val event: Event) : Call()
    data class Added(val member: Member) : Call()
    data class Removed(val member: Member) : Call()
}

open class Recorder : ChannelListener {
    val calls = LinkedBlockingQueue<Call>()
    override fun onSubscribed(channel: String, members: Members?) { calls.add(Call.Subscribed(channel, members)) }
    override fun onSubscriptionError(channel: String, status: UShort?, reason: String) { calls.add(Call.Refused(channel, status, reason)) }
    override fun onEvent(event: Event) { calls.add(Call.Got(event)) }
    override fun onMemberAdded(channel: String, member: Member) { calls.add(Call.Added(member)) }
    override fun onMemberRemoved(channel: String, member: Member) { calls.add(Call.Removed(member)) }

    fun subscribed(): Call = calls.next { it is Call.Subscribed || it is Call.Refused }
    fun event(name: String): Event = (calls.next { it is Call.Got && it.event.name == name } as Call.Got).event
}

class States : ConnectionListener {
    val states = LinkedBlockingQueue<Pair<ConnectionState, ConnectionState>>()
    override fun onStateChange(previous: ConnectionState, current: ConnectionState) { states.add(previous to current) }
    override fun onError(error: ConnectionError) {}
}

class PusherLiteTest {
    companion object {
        private lateinit var server: Process
        private var port = 0

        @BeforeClass @JvmStatic
        fun startServer() {
            val binary = System.getenv("PUSHER_LITE_SERVER_BIN")
                ?: throw IllegalStateException("PUSHER_LITE_SERVER_BIN is not set (cargo xtask test sets it)")
            server = ProcessBuilder(
                binary, "--host", "127.0.0.1", "--port", "0",
                "--app", "$APP_ID:$APP_KEY:$APP_SECRET", "--org", "$ORG:$ORG_TOKEN",
            ).redirectErrorStream(true).also { it.environment()["PUSHER_LITE_LOG"] = "warn" }.start()
            val lines = server.inputStream.bufferedReader()
            val pattern = Regex("listening on http://127\\.0\\.0\\.1:(\\d+)")
            val found = LinkedBlockingQueue<Int>()
            Thread {
                lines.forEachLine { line -> pattern.find(line)?.let { found.add(it.groupValues[1].toInt()) } }
            }.apply { isDaemon = true }.start()
            port = found.poll(20, TimeUnit.SECONDS) ?: throw IllegalStateException("pusher-lite-server did not start")
        }

        @AfterClass @JvmStatic
        fun stopServer() {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
        }
    }

    private val clients = mutableListOf<Client>()

    @After
    fun shutdownClients() {
        clients.forEach { it.shutdown() }
    }

    private fun publisher(secret: String = APP_SECRET): Publisher =
        PublisherBuilder().address("http://127.0.0.1:$port").app(APP_ID, APP_KEY, secret)
            .organization(ORG, ORG_TOKEN).encryptionMasterKeyBase64(MASTER_KEY).build()

    private fun builder(): ClientBuilder = ClientBuilder(APP_KEY).address("127.0.0.1:$port")

    private fun connected(builder: ClientBuilder = builder()): Client {
        val client = builder.build().also { clients.add(it) }
        client.connect()
        assertTrue(client.waitForState(ConnectionState.CONNECTED, WAIT_MS.toULong()))
        return client
    }

    @Test
    fun publisherTriggersReachAListenerOnARustThread() {
        val client = connected()
        val room = Recorder()
        client.subscribe("kt-news", room)
        assertEquals(Call.Subscribed("kt-news", null), room.subscribed())
        assertEquals(emptyMap(), publisher().trigger(listOf("kt-news"), "headline", """{"n":1}"""))
        val event = room.event("headline")
        assertEquals("kt-news", event.channel)
        assertEquals("""{"n":1}""", event.data)
        val info = publisher().triggerWith(listOf("kt-news"), "e", "{}", TriggerOptions(info = "subscription_count"))
        assertEquals(1uL, info["kt-news"]?.subscriptionCount)
    }

    @Test
    fun errorsArePusherExceptionSubclasses() {
        val refused = assertFailsWith<PusherException.Http> { publisher("wrong").trigger(listOf("news"), "e", "{}") }
        assertEquals(401.toUShort(), refused.status)
        assertEquals("/apps/$APP_ID/events", refused.path)
        assertFailsWith<PusherException.Invalid> { publisher().trigger(listOf("bad name"), "e", "{}") }
        assertFailsWith<PusherException.Config> { PublisherBuilder().build() }
        val dead = PublisherBuilder().address("127.0.0.1:9").app("1", "k", "s").build()
        assertFailsWith<PusherException.Transport> { dead.trigger(listOf("news"), "e", "{}") }
    }

    @Test
    fun suspendFunctionsRunConcurrentlyInCoroutines() = runBlocking<Unit> {
        val client = builder().build().also { clients.add(it) }
        client.connect()
        withTimeout(WAIT_MS) {
            assertTrue(client.waitForStateAsync(ConnectionState.CONNECTED, WAIT_MS.toULong()))
            val room = Recorder()
            client.subscribeAsync("kt-async", room)
            assertTrue(room.subscribed() is Call.Subscribed)
            val p = publisher()
            val results = (0 until 5).map { i -> async { p.triggerAsync(listOf("kt-async"), "e$i", "$i") } }.awaitAll()
            assertEquals(List(5) { emptyMap<String, ChannelInfo>() }, results)
            val wanted = (0 until 5).map { "e$it" }.toSet()
            val seen = (0 until 5).map { (room.calls.next { c -> c is Call.Got && c.event.name in wanted } as Call.Got).event.name }.toSet()
            assertEquals(wanted, seen)
            val token = p.requestSessionAsync(SessionRequest(userId = "kt"))
            assertEquals("kt", decodeSession(token, ORG_TOKEN, (System.currentTimeMillis() / 1000).toULong()).sub)
            assertFailsWith<PusherException.Invalid> { p.triggerAsync(listOf("bad name"), "e", "{}") }
        }
    }

    @Test
    fun connectionStatesAndCancellation() {
        val client = builder().build().also { clients.add(it) }
        val states = States()
        client.addConnectionListener(states)
        client.connect()
        assertEquals(ConnectionState.INITIALIZED to ConnectionState.CONNECTING, states.states.next())
        assertEquals(ConnectionState.CONNECTING to ConnectionState.CONNECTED, states.states.next())
        assertNotNull(client.socketId())
        val gone = Recorder()
        val kept = Recorder()
        val sub = client.subscribe("kt-cancel", gone)
        client.subscribe("kt-kept", kept)
        assertTrue(gone.subscribed() is Call.Subscribed)
        assertTrue(kept.subscribed() is Call.Subscribed)
        sub.cancel()
        assertTrue(sub.isCancelled())
        gone.calls.clear() // what was called before cancel returned; nothing may follow
        publisher().trigger(listOf("kt-cancel"), "after", "{}")
        publisher().trigger(listOf("kt-kept"), "marker", "{}")
        assertEquals("marker", kept.event("marker").name)
        assertTrue(gone.calls.isEmpty(), "nothing reached the cancelled listener")
    }

    @Test
    fun presenceMembersJoinAndLeave() {
        val p = publisher()
        val ada = connected(builder().authorizeWithPublisher(p, MemberData(userId = "ada", userInfo = """{"name":"Ada"}""")))
        val bob = connected(builder().authorizeWithPublisher(p, MemberData(userId = "bob")))
        val room = Recorder()
        ada.subscribe("presence-kt", room)
        val subscribed = room.subscribed() as Call.Subscribed
        assertEquals(Member("ada", """{"name":"Ada"}"""), subscribed.members?.me)
        val bobSub = bob.subscribe("presence-kt", Recorder())
        assertEquals(Call.Added(Member("bob", null)), room.calls.next { it is Call.Added })
        assertEquals(listOf("ada", "bob"), p.users("presence-kt").sorted())
        bobSub.cancel()
        assertEquals(Call.Removed(Member("bob", null)), room.calls.next { it is Call.Removed })
    }

    @Test
    fun aKotlinAuthorizerAndListenerExceptionsBecomeErrors() {
        val p = publisher()
        val authorizer = object : ChannelAuthorizer {
            override fun authorize(socketId: String, channel: String): String {
                if (channel == "private-no") throw IllegalStateException("not this one")
                return p.authorizeChannel(socketId, channel, null).json
            }
        }
        val client = connected(builder().authorizer(authorizer))
        val yes = object : Recorder() {
            override fun onEvent(event: Event) {
                if (event.name == "first") throw IllegalArgumentException("listener bug")
                super.onEvent(event)
            }
        }
        val no = Recorder()
        client.subscribe("private-kt", yes)
        client.subscribe("private-no", no)
        assertTrue(yes.subscribed() is Call.Subscribed)
        val refused = no.subscribed() as Call.Refused
        assertTrue("not this one" in refused.reason, refused.reason)
        p.trigger(listOf("private-kt"), "first", "{}")
        p.trigger(listOf("private-kt"), "second", "{}")
        assertEquals("second", yes.event("second").name)
        val errors = client.listenerErrors()
        assertEquals(1, errors.size)
        assertTrue("listener bug" in errors[0], errors[0])
    }

    @Test
    fun shutdownWaitsForARunningListener() {
        val client = connected()
        val started = LinkedBlockingQueue<Boolean>()
        val finished = mutableListOf<String>()
        client.addGlobalListener(object : EventListener {
            override fun onEvent(event: Event) {
                if (event.name != "slow") return
                started.add(true)
                Thread.sleep(300)
                synchronized(finished) { finished.add(event.name) }
            }
        })
        val room = Recorder()
        client.subscribe("kt-slow", room)
        assertTrue(room.subscribed() is Call.Subscribed)
        publisher().trigger(listOf("kt-slow"), "slow", "{}")
        started.next()
        client.shutdown()
        assertEquals(listOf("slow"), synchronized(finished) { finished.toList() })
        assertFailsWith<PusherException.Closed> { client.subscribe("kt-slow", Recorder()) }
    }

    @Test
    fun signaturesMatchThePublishedExample() {
        val app = AppCredentials("3", "278d425bdf160c739803", "7ad3773142a6692b25b8")
        assertEquals(
            "278d425bdf160c739803:58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4",
            authorizeChannel(app, "1234.1234", "private-foobar", null, null).auth,
        )
    }
}
