#include "logging.h"
#include "redisconnection.h"
#include "redisprocess.h"
#include "redisurl.h"

#include <QPointer>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace Herald;
using Herald::Test::RedisProcess;

#define REQUIRE_REDIS_SERVER()                                                                     \
    do {                                                                                           \
        if (RedisProcess::executable().isEmpty())                                                  \
            QSKIP(RedisProcess::missingMessage());                                                 \
    } while (false)

#define START_REDIS(process)                                                                       \
    do {                                                                                           \
        REQUIRE_REDIS_SERVER();                                                                    \
        QVERIFY2((process).start(), qPrintable((process).errorString()));                          \
    } while (false)

namespace {

// Generous: the suite also runs under valgrind, which slows everything down many times.
constexpr int kWait = 20000;

RedisUrl urlOf(const RedisProcess &redis, int db = 0)
{
    QString error;
    std::optional<RedisUrl> url = RedisUrl::parse(redis.url(), &error);
    if (!url)
        qFatal("fixture gave a bad URL %s: %s", qPrintable(redis.url()), qPrintable(error));
    url->db = db;
    return *url;
}

// A port nothing listens on.
quint16 deadPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

// Runs one command and waits for its reply; a timeout comes back as an Error reply.
RedisReply exec(RedisConnection &connection, const QList<QByteArray> &argv, int timeout = kWait)
{
    auto result = std::make_shared<std::optional<RedisReply>>();
    connection.command(argv, [result](const RedisReply &reply) { *result = reply; });
    if (!QTest::qWaitFor([&] { return result->has_value(); }, timeout))
        return RedisReply::error("test: no reply in time");
    return **result;
}

// How many clients the server has subscribed to channel (side-effect free, unlike PUBLISH).
int subscribers(RedisConnection &connection, const QByteArray &channel)
{
    const RedisReply reply = exec(connection, {"PUBSUB", "NUMSUB", channel});
    return reply.elements.size() == 2 ? int(reply.elements.at(1).integer) : -1;
}

// Whether some client waits in a blocking command (BLPOP) on the server.
bool hasBlockedClient(RedisConnection &connection)
{
    return exec(connection, {"INFO", "clients"}).str.contains("blocked_clients:1");
}

bool waitConnected(RedisConnection &connection, int timeout = kWait)
{
    return QTest::qWaitFor([&] { return connection.isConnected(); }, timeout);
}

// Accepts connections and never answers: a server stuck before the handshake completes.
class SilentServer : public QTcpServer
{
public:
    SilentServer()
    {
        listen(QHostAddress::LocalHost, 0);
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = nextPendingConnection()) {
                socket->setParent(this);
                ++accepted;
                connect(socket, &QTcpSocket::readyRead, this,
                        [this, socket] { received += socket->readAll(); });
            }
        });
    }
    int accepted = 0;
    QByteArray received;
    RedisUrl url() const
    {
        RedisUrl url;
        url.host = QStringLiteral("127.0.0.1");
        url.port = serverPort();
        return url;
    }
};

} // namespace

class tst_RedisConnection : public QObject
{
    Q_OBJECT

private slots:
    void parseUrl_data();
    void parseUrl();
    void urlRoundTrip();

    void connectSetGetBinarySafe();
    void replyTypes();
    void errorReply();
    void hostNameIsResolved();
    void auth();
    void wrongPasswordIsReportedAndRetried();
    void selectDb();
    void selectOutOfRange();
    void pubSub();
    void unsubscribe();
    void pubSubCommandsAreRefused();
    void commandsWhileDownFailRightAway();
    void closeFailsPendingCallbacks();
    void reconnectAfterRedisIsKilled();
    void backoffIsNotLoggedPerAttempt();
    void attemptTimesOut();
    void protocolErrorIsRetried();

    void deleteWhileConnecting();
    void deleteWhileReconnecting();
    void deleteMidHandshake();
    void deleteInsideSignal_data();
    void deleteInsideSignal();
    void deleteInsideCommandCallback();
    void deleteInsideMessageSignal();
    void deleteInsideDisconnectedSignal();
    void deleteInsidePendingErrorCallback();
    void closeAndReopenInsideCallback();
};

void tst_RedisConnection::parseUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<int>("db");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("error");

    const QString none;
    QTest::newRow("host:port") << "redis://127.0.0.1:6379" << true << "127.0.0.1" << 6379 << 0
                               << none << none;
    QTest::newRow("db") << "redis://localhost:6380/2" << true << "localhost" << 6380 << 2 << none
                        << none;
    QTest::newRow("trailing slash")
        << "redis://localhost:6380/" << true << "localhost" << 6380 << 0 << none << none;
    QTest::newRow("password") << "redis://:s3cret@redis.example:7000/15" << true << "redis.example"
                              << 7000 << 15 << "s3cret" << none;
    QTest::newRow("encoded password")
        << "redis://:p%40ss%3Aw%2Frd@h:1/0" << true << "h" << 1 << 0 << "p@ss:w/rd" << none;
    QTest::newRow("default port") << "redis://cache" << true << "cache" << 6379 << 0 << none
                                  << none;
    QTest::newRow("ipv6") << "redis://[::1]:6379/1" << true << "::1" << 6379 << 1 << none << none;
    QTest::newRow("spaces") << "  redis://h:1  " << true << "h" << 1 << 0 << none << none;
    QTest::newRow("upper-case scheme") << "REDIS://h:1" << true << "h" << 1 << 0 << none << none;

    QTest::newRow("empty") << "" << false << none << 0 << 0 << none << "empty Redis URL";
    QTest::newRow("no scheme") << "localhost:6379" << false << none << 0 << 0 << none
                               << "unsupported scheme";
    QTest::newRow("http") << "http://h:6379" << false << none << 0 << 0 << none
                          << "unsupported scheme \"http\"";
    QTest::newRow("rediss") << "rediss://h:6379" << false << none << 0 << 0 << none
                            << "unsupported scheme \"rediss\"";
    QTest::newRow("no host") << "redis://:6379" << false << none << 0 << 0 << none
                             << "missing host";
    QTest::newRow("port 0") << "redis://h:0" << false << none << 0 << 0 << none << "invalid port 0";
    QTest::newRow("port too big") << "redis://h:99999" << false << none << 0 << 0 << none
                                  << "invalid Redis URL";
    QTest::newRow("port not a number")
        << "redis://h:abc" << false << none << 0 << 0 << none << "invalid Redis URL";
    QTest::newRow("db not a number")
        << "redis://h:1/x" << false << none << 0 << 0 << none << "invalid database \"x\"";
    QTest::newRow("negative db") << "redis://h:1/-1" << false << none << 0 << 0 << none
                                 << "invalid database \"-1\"";
    QTest::newRow("nested path") << "redis://h:1/2/3" << false << none << 0 << 0 << none
                                 << "invalid database \"2/3\"";
    QTest::newRow("user name") << "redis://alice:pw@h:1" << false << none << 0 << 0 << none
                               << "user names are not supported";
    QTest::newRow("user only") << "redis://alice@h:1" << false << none << 0 << 0 << none
                               << "user names are not supported";
    QTest::newRow("query") << "redis://h:1?db=2" << false << none << 0 << 0 << none
                           << "query parameters are not supported";
    QTest::newRow("fragment") << "redis://h:1#x" << false << none << 0 << 0 << none
                              << "fragments are not supported";
}

void tst_RedisConnection::parseUrl()
{
    QFETCH(QString, url);
    QFETCH(bool, valid);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(int, db);
    QFETCH(QString, password);
    QFETCH(QString, error);

    QString message = QStringLiteral("untouched");
    const std::optional<RedisUrl> parsed = RedisUrl::parse(url, &message);
    QCOMPARE(parsed.has_value(), valid);
    if (!valid) {
        QVERIFY2(message.contains(error), qPrintable(message));
        QVERIFY(!RedisUrl::parse(url)); // no error pointer: still fine
        return;
    }
    QCOMPARE(parsed->host, host);
    QCOMPARE(int(parsed->port), port);
    QCOMPARE(parsed->db, db);
    QCOMPARE(parsed->password, password);
}

void tst_RedisConnection::urlRoundTrip()
{
    const QStringList urls{QStringLiteral("redis://:p%40ss%3Aw%2Frd@h:1/3"),
                           QStringLiteral("redis://[::1]:6379/1"), QStringLiteral("redis://h:7/0")};
    for (const QString &text : urls) {
        const std::optional<RedisUrl> url = RedisUrl::parse(text);
        QVERIFY(url);
        const std::optional<RedisUrl> again = RedisUrl::parse(url->toString());
        QVERIFY2(again, qPrintable(url->toString()));
        QVERIFY(*again == *url);
    }
    const std::optional<RedisUrl> secret = RedisUrl::parse(QStringLiteral("redis://:hush@h:1/2"));
    QVERIFY(secret);
    QCOMPARE(secret->toDisplayString(), QStringLiteral("redis://:***@h:1/2"));
}

void tst_RedisConnection::connectSetGetBinarySafe()
{
    RedisProcess redis;
    START_REDIS(redis);

    RedisConnection connection;
    QSignalSpy connectedSpy(&connection, &RedisConnection::connected);
    QSignalSpy stateSpy(&connection, &RedisConnection::stateChanged);
    QVERIFY(!connection.isConnected());
    QCOMPARE(connection.state(), RedisConnection::State::Disconnected);

    connection.open(urlOf(redis));
    QCOMPARE(connection.state(), RedisConnection::State::Connecting);
    QVERIFY(connectedSpy.wait(kWait));
    QVERIFY(connection.isConnected());
    QCOMPARE(connection.reconnects(), 0);
    QCOMPARE(stateSpy.size(), 2);
    QCOMPARE(stateSpy.at(0).at(0).value<RedisConnection::State>(),
             RedisConnection::State::Connecting);
    QCOMPARE(stateSpy.at(1).at(0).value<RedisConnection::State>(),
             RedisConnection::State::Connected);

    const QByteArray key("bin\0key\r\n", 9);
    QByteArray value("\0\r\n$3\r\n*1\xff\xfe end", 16);
    value += QByteArray(100000, 'x'); // more than one socket read
    const RedisReply set = exec(connection, {"SET", key, value});
    QCOMPARE(set.type, RedisReply::Type::Status);
    QCOMPARE(set.str, QByteArray("OK"));

    const RedisReply get = exec(connection, {"GET", key});
    QCOMPARE(get.type, RedisReply::Type::String);
    QCOMPARE(get.str.size(), value.size());
    QCOMPARE(get.str, value);

    const RedisReply empty = exec(connection, {"SET", "empty", QByteArray()});
    QVERIFY(!empty.isError());
    QCOMPARE(exec(connection, {"STRLEN", "empty"}).integer, 0);

    const RedisReply missing = exec(connection, {"GET", "no-such-key"});
    QVERIFY(missing.isNil());
}

void tst_RedisConnection::replyTypes()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisConnection connection;
    connection.open(urlOf(redis));
    QVERIFY(waitConnected(connection));

    const RedisReply incr = exec(connection, {"INCRBY", "n", "41"});
    QCOMPARE(incr.type, RedisReply::Type::Integer);
    QCOMPARE(incr.integer, 41);

    QCOMPARE(exec(connection, {"RPUSH", "list", "a", QByteArray("b\0", 2), ""}).integer, 3);
    const RedisReply range = exec(connection, {"LRANGE", "list", "0", "-1"});
    QCOMPARE(range.type, RedisReply::Type::Array);
    QCOMPARE(range.elements.size(), 3);
    QCOMPARE(range.elements.at(0).str, QByteArray("a"));
    QCOMPARE(range.elements.at(1).str, QByteArray("b\0", 2));
    QCOMPARE(range.elements.at(2).type, RedisReply::Type::String);
    QVERIFY(range.elements.at(2).str.isEmpty());

    // Nested arrays with nils inside.
    const RedisReply mget = exec(connection, {"MGET", "n", "nothing"});
    QCOMPARE(mget.elements.size(), 2);
    QCOMPARE(mget.elements.at(0).str, QByteArray("41"));
    QVERIFY(mget.elements.at(1).isNil());

    // Replies come back in order, callbacks run once each.
    QList<int> order;
    for (int i = 0; i < 50; ++i)
        connection.command({"INCR", "counter"}, [&order, i](const RedisReply &) { order << i; });
    QTRY_COMPARE_WITH_TIMEOUT(order.size(), 50, kWait);
    for (int i = 0; i < 50; ++i)
        QCOMPARE(order.at(i), i);
    // A command without callback is fine too.
    connection.command({"SET", "fire", "forget"});
    QCOMPARE(exec(connection, {"GET", "fire"}).str, QByteArray("forget"));
}

void tst_RedisConnection::errorReply()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisConnection connection;
    connection.open(urlOf(redis));
    QVERIFY(waitConnected(connection));

    QCOMPARE(exec(connection, {"SET", "s", "text"}).str, QByteArray("OK"));
    const RedisReply wrongType = exec(connection, {"INCR", "s"});
    QVERIFY(wrongType.isError());
    QVERIFY2(wrongType.str.startsWith("ERR") || wrongType.str.startsWith("WRONGTYPE"),
             wrongType.str.constData());

    const RedisReply unknown = exec(connection, {"NO-SUCH-COMMAND", "x"});
    QVERIFY(unknown.isError());
    QVERIFY2(unknown.str.contains("unknown command"), unknown.str.constData());

    // The connection is still fine afterwards.
    QVERIFY(connection.isConnected());
    QCOMPARE(exec(connection, {"PING"}).str, QByteArray("PONG"));

    const RedisReply emptyCommand = exec(connection, {});
    QVERIFY(emptyCommand.isError());
}

void tst_RedisConnection::hostNameIsResolved()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisUrl url = urlOf(redis);
    url.host = QStringLiteral("localhost");
    RedisConnection connection;
    connection.open(url);
    QVERIFY2(waitConnected(connection), qPrintable(connection.lastError()));
    QCOMPARE(exec(connection, {"PING"}).str, QByteArray("PONG"));

    RedisConnection nowhere;
    url.host = QStringLiteral("no-such-host.invalid");
    nowhere.open(url);
    QTRY_VERIFY_WITH_TIMEOUT(!nowhere.lastError().isEmpty(), kWait);
    QVERIFY2(nowhere.lastError().contains("resolv"), qPrintable(nowhere.lastError()));
    QCOMPARE(nowhere.state(), RedisConnection::State::Reconnecting);
}

void tst_RedisConnection::auth()
{
    RedisProcess redis(QStringLiteral("s3cret pass"));
    START_REDIS(redis);
    QVERIFY(redis.url().contains(":s3cret%20pass@"));

    RedisConnection connection;
    connection.open(urlOf(redis, 1));
    QVERIFY2(waitConnected(connection), qPrintable(connection.lastError()));
    QCOMPARE(exec(connection, {"PING"}).str, QByteArray("PONG"));

    // Without the password the handshake fails and says why.
    RedisUrl anonymous = urlOf(redis);
    anonymous.password.clear();
    RedisConnection refused;
    QSignalSpy connectedSpy(&refused, &RedisConnection::connected);
    refused.open(anonymous);
    QTRY_VERIFY_WITH_TIMEOUT(!refused.lastError().isEmpty(), kWait);
    QVERIFY2(refused.lastError().contains("NOAUTH"), qPrintable(refused.lastError()));
    QVERIFY(!refused.isConnected());
    QCOMPARE(connectedSpy.size(), 0);
}

void tst_RedisConnection::wrongPasswordIsReportedAndRetried()
{
    RedisProcess redis(QStringLiteral("right"));
    START_REDIS(redis);
    RedisUrl url = urlOf(redis);
    url.password = QStringLiteral("wrong");

    RedisConnection connection;
    connection.setReconnectDelays(20, 40);
    QSignalSpy connectedSpy(&connection, &RedisConnection::connected);
    QSignalSpy disconnectedSpy(&connection, &RedisConnection::disconnected);
    connection.open(url);
    QTRY_VERIFY_WITH_TIMEOUT(connection.lastError().contains("AUTH failed"), kWait);
    QCOMPARE(connection.state(), RedisConnection::State::Reconnecting);
    // It keeps trying: fixing the server side lets it in.
    RedisConnection admin;
    admin.open(urlOf(redis));
    QVERIFY(waitConnected(admin));
    QCOMPARE(exec(admin, {"CONFIG", "SET", "requirepass", "wrong"}).str, QByteArray("OK"));
    QVERIFY(connectedSpy.wait(kWait));
    QVERIFY(connection.isConnected());
    QCOMPARE(connection.reconnects(), 0); // failed attempts are not reconnects
    QCOMPARE(disconnectedSpy.size(), 0); // never was connected before
}

void tst_RedisConnection::selectDb()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisConnection db3;
    RedisConnection db0;
    db3.open(urlOf(redis, 3));
    db0.open(urlOf(redis, 0));
    QVERIFY(waitConnected(db3));
    QVERIFY(waitConnected(db0));

    QCOMPARE(exec(db3, {"SET", "where", "three"}).str, QByteArray("OK"));
    QVERIFY(exec(db0, {"GET", "where"}).isNil());
    QCOMPARE(exec(db3, {"GET", "where"}).str, QByteArray("three"));
    QCOMPARE(exec(db0, {"DBSIZE"}).integer, 0);
    QCOMPARE(exec(db3, {"DBSIZE"}).integer, 1);
}

void tst_RedisConnection::selectOutOfRange()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisConnection connection;
    connection.open(urlOf(redis, 999));
    QTRY_VERIFY_WITH_TIMEOUT(!connection.lastError().isEmpty(), kWait);
    QVERIFY2(connection.lastError().contains("SELECT 999 failed"),
             qPrintable(connection.lastError()));
    QVERIFY(!connection.isConnected());
}

void tst_RedisConnection::pubSub()
{
    RedisProcess redis;
    START_REDIS(redis);

    RedisConnection subscriber(RedisConnection::Mode::Subscriber);
    QCOMPARE(subscriber.mode(), RedisConnection::Mode::Subscriber);
    const QByteArray binaryChannel("chan\0nel", 8);
    subscriber.subscribe({"news", binaryChannel, "news"});
    QCOMPARE(subscriber.channels(), (QList<QByteArray>{"news", binaryChannel}));
    QSignalSpy subscribedSpy(&subscriber, &RedisConnection::subscribed);
    QSignalSpy messageSpy(&subscriber, &RedisConnection::message);
    subscriber.open(urlOf(redis));
    QVERIFY(waitConnected(subscriber));
    // connected() comes once the server confirmed every channel.
    QCOMPARE(subscribedSpy.size(), 2);

    RedisConnection publisher;
    publisher.open(urlOf(redis));
    QVERIFY(waitConnected(publisher));

    const QByteArray payload("{\"id\":1}\0\r\n\xff", 12);
    const RedisReply published = exec(publisher, {"PUBLISH", "news", payload});
    QCOMPARE(published.type, RedisReply::Type::Integer);
    QCOMPARE(published.integer, 1);
    QTRY_COMPARE_WITH_TIMEOUT(messageSpy.size(), 1, kWait);
    QCOMPARE(messageSpy.at(0).at(0).toByteArray(), QByteArray("news"));
    QCOMPARE(messageSpy.at(0).at(1).toByteArray(), payload);

    QCOMPARE(exec(publisher, {"PUBLISH", binaryChannel, "b"}).integer, 1);
    QTRY_COMPARE_WITH_TIMEOUT(messageSpy.size(), 2, kWait);
    QCOMPARE(messageSpy.at(1).at(0).toByteArray(), binaryChannel);

    // Subscribing later, while connected.
    subscriber.subscribe({"late"});
    QTRY_COMPARE_WITH_TIMEOUT(subscribedSpy.size(), 3, kWait);
    QCOMPARE(subscribedSpy.at(2).at(0).toByteArray(), QByteArray("late"));
    QCOMPARE(exec(publisher, {"PUBLISH", "late", "x"}).integer, 1);
    QTRY_COMPARE_WITH_TIMEOUT(messageSpy.size(), 3, kWait);

    // Messages in a burst all arrive, in order.
    for (int i = 0; i < 100; ++i)
        publisher.command({"PUBLISH", "news", QByteArray::number(i)});
    QTRY_COMPARE_WITH_TIMEOUT(messageSpy.size(), 103, kWait);
    for (int i = 0; i < 100; ++i)
        QCOMPARE(messageSpy.at(3 + i).at(1).toByteArray(), QByteArray::number(i));
}

void tst_RedisConnection::unsubscribe()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisConnection subscriber(RedisConnection::Mode::Subscriber);
    subscriber.subscribe({"a", "b"});
    subscriber.open(urlOf(redis));
    QVERIFY(waitConnected(subscriber));
    RedisConnection publisher;
    publisher.open(urlOf(redis));
    QVERIFY(waitConnected(publisher));

    QSignalSpy messageSpy(&subscriber, &RedisConnection::message);
    subscriber.unsubscribe({"a", "never-subscribed"});
    QCOMPARE(subscriber.channels(), QList<QByteArray>{"b"});
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(publisher, "a"), 0, kWait);
    QCOMPARE(subscribers(publisher, "b"), 1);
    QCOMPARE(exec(publisher, {"PUBLISH", "a", "x"}).integer, Q_INT64_C(0));
    QCOMPARE(exec(publisher, {"PUBLISH", "b", "y"}).integer, Q_INT64_C(1));
    QTRY_COMPARE_WITH_TIMEOUT(messageSpy.size(), 1, kWait);
    QCOMPARE(messageSpy.at(0).at(0).toByteArray(), QByteArray("b"));

    // Unsubscribing from everything leaves a working, idle subscriber.
    subscriber.unsubscribe({"b"});
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(publisher, "b"), 0, kWait);
    subscriber.subscribe({"c"});
    QTRY_COMPARE_WITH_TIMEOUT(subscribers(publisher, "c"), 1, kWait);
    QCOMPARE(exec(publisher, {"PUBLISH", "c", "w"}).integer, Q_INT64_C(1));
    QTRY_COMPARE_WITH_TIMEOUT(messageSpy.size(), 2, kWait);
    QCOMPARE(messageSpy.at(1).at(1).toByteArray(), QByteArray("w"));
    QVERIFY(subscriber.isConnected());
}

void tst_RedisConnection::pubSubCommandsAreRefused()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisConnection connection;
    connection.open(urlOf(redis));
    QVERIFY(waitConnected(connection));
    for (const QByteArray &name : {QByteArray("subscribe"), QByteArray("PSUBSCRIBE"),
                                   QByteArray("Unsubscribe"), QByteArray("MONITOR")}) {
        bool called = false;
        connection.command({name, "x"}, [&](const RedisReply &reply) {
            called = true;
            QVERIFY(reply.isError());
            QVERIFY2(reply.str.contains("subscriber connection"), reply.str.constData());
        });
        QVERIFY(called); // right away
    }
    QCOMPARE(exec(connection, {"PING"}).str, QByteArray("PONG"));

    RedisConnection subscriber(RedisConnection::Mode::Subscriber);
    subscriber.open(urlOf(redis));
    QVERIFY(waitConnected(subscriber));
    bool called = false;
    subscriber.command({"PING"}, [&](const RedisReply &reply) {
        called = true;
        QVERIFY(reply.isError());
    });
    QVERIFY(called);

    // subscribe() on a command connection is ignored with a warning.
    QTest::ignoreMessage(QtWarningMsg, "subscribe() ignored: not a subscriber connection");
    connection.subscribe({"x"});
    QVERIFY(connection.channels().isEmpty());
}

void tst_RedisConnection::commandsWhileDownFailRightAway()
{
    RedisConnection connection;
    bool called = false;
    connection.command({"PING"}, [&](const RedisReply &reply) {
        called = true;
        QVERIFY(reply.isError());
        QCOMPARE(reply.str, QByteArray("not connected"));
    });
    QVERIFY(called); // before open(): synchronous error

    RedisUrl url;
    url.port = deadPort();
    connection.open(url);
    called = false;
    connection.command({"PING"}, [&](const RedisReply &reply) {
        called = true;
        QCOMPARE(reply.str, QByteArray("not connected"));
    });
    QVERIFY(called); // while connecting

    QTRY_COMPARE_WITH_TIMEOUT(connection.state(), RedisConnection::State::Reconnecting, kWait);
    QVERIFY2(connection.lastError().contains("refused", Qt::CaseInsensitive),
             qPrintable(connection.lastError()));
    called = false;
    connection.command({"PING"}, [&](const RedisReply &reply) {
        called = true;
        QCOMPARE(reply.str, QByteArray("not connected"));
    });
    QVERIFY(called); // while reconnecting
}

void tst_RedisConnection::closeFailsPendingCallbacks()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisConnection connection;
    QSignalSpy disconnectedSpy(&connection, &RedisConnection::disconnected);
    connection.open(urlOf(redis));
    QVERIFY(waitConnected(connection));

    // BLPOP on an empty list waits forever: its callback is pending when we close.
    std::optional<RedisReply> blocked;
    connection.command({"BLPOP", "empty-list", "0"},
                       [&](const RedisReply &reply) { blocked = reply; });
    RedisConnection admin;
    admin.open(urlOf(redis));
    QVERIFY(waitConnected(admin));
    QTRY_VERIFY_WITH_TIMEOUT(hasBlockedClient(admin), kWait);
    connection.close();
    QTRY_VERIFY_WITH_TIMEOUT(blocked.has_value(), kWait);
    QVERIFY(blocked->isError());
    QVERIFY2(blocked->str.startsWith("disconnected: connection closed"), blocked->str.constData());
    QCOMPARE(connection.state(), RedisConnection::State::Disconnected);
    QCOMPARE(disconnectedSpy.size(), 1);

    // Closed means closed: no reconnect happens.
    QTest::qWait(300);
    QCOMPARE(connection.state(), RedisConnection::State::Disconnected);

    // And it can be opened again.
    connection.open(urlOf(redis));
    QVERIFY(waitConnected(connection));
    QCOMPARE(exec(connection, {"PING"}).str, QByteArray("PONG"));
}

void tst_RedisConnection::reconnectAfterRedisIsKilled()
{
    RedisProcess redis;
    START_REDIS(redis);
    const quint16 port = redis.port();

    RedisConnection publisher;
    RedisConnection subscriber(RedisConnection::Mode::Subscriber);
    subscriber.subscribe({"events"});
    QSignalSpy pubConnected(&publisher, &RedisConnection::connected);
    QSignalSpy pubDisconnected(&publisher, &RedisConnection::disconnected);
    QSignalSpy subConnected(&subscriber, &RedisConnection::connected);
    QSignalSpy subDisconnected(&subscriber, &RedisConnection::disconnected);
    QSignalSpy subStates(&subscriber, &RedisConnection::stateChanged);
    QSignalSpy messages(&subscriber, &RedisConnection::message);
    publisher.open(urlOf(redis));
    subscriber.open(urlOf(redis));
    QVERIFY(waitConnected(publisher));
    QVERIFY(waitConnected(subscriber));
    QCOMPARE(exec(publisher, {"PUBLISH", "events", "before"}).integer, 1);
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 1, kWait);

    // A command waiting for its reply when the server dies gets an error.
    std::optional<RedisReply> blocked;
    publisher.command({"BLPOP", "nothing", "0"}, [&](const RedisReply &reply) { blocked = reply; });

    redis.kill();
    QTRY_VERIFY_WITH_TIMEOUT(blocked.has_value(), kWait);
    QVERIFY(blocked->isError());
    QVERIFY2(blocked->str.startsWith("disconnected: "), blocked->str.constData());
    QTRY_COMPARE_WITH_TIMEOUT(pubDisconnected.size(), 1, kWait);
    QTRY_COMPARE_WITH_TIMEOUT(subDisconnected.size(), 1, kWait);
    QVERIFY(!publisher.isConnected());
    QCOMPARE(publisher.state(), RedisConnection::State::Reconnecting);

    // While it is down, commands fail at once.
    bool called = false;
    publisher.command({"PUBLISH", "events", "lost"}, [&](const RedisReply &reply) {
        called = true;
        QCOMPARE(reply.str, QByteArray("not connected"));
    });
    QVERIFY(called);

    // Let a few attempts fail before the server comes back.
    QTest::qWait(300);
    QCOMPARE(subDisconnected.size(), 1); // failed attempts don't repeat the signal

    QVERIFY2(redis.start(), qPrintable(redis.errorString()));
    QCOMPARE(redis.port(), port);
    QVERIFY(pubConnected.size() == 2 || pubConnected.wait(kWait));
    QVERIFY(subConnected.size() == 2 || subConnected.wait(kWait));
    QCOMPARE(publisher.reconnects(), 1);
    QCOMPARE(subscriber.reconnects(), 1);

    // Connected, Reconnecting, Connected (plus the first Connecting): one change each.
    QCOMPARE(subStates.size(), 4);
    QCOMPARE(subStates.at(2).at(0).value<RedisConnection::State>(),
             RedisConnection::State::Reconnecting);
    QCOMPARE(subStates.at(3).at(0).value<RedisConnection::State>(),
             RedisConnection::State::Connected);

    // The subscriber subscribed again by itself.
    QCOMPARE(exec(publisher, {"PUBLISH", "events", "after"}).integer, 1);
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 2, kWait);
    QCOMPARE(messages.at(1).at(1).toByteArray(), QByteArray("after"));

    // And a second outage works the same.
    redis.kill();
    QTRY_COMPARE_WITH_TIMEOUT(subDisconnected.size(), 2, kWait);
    QVERIFY2(redis.start(), qPrintable(redis.errorString()));
    QTRY_COMPARE_WITH_TIMEOUT(subConnected.size(), 3, kWait);
    QVERIFY(waitConnected(publisher));
    QCOMPARE(subscriber.reconnects(), 2);
    QCOMPARE(exec(publisher, {"PUBLISH", "events", "again"}).integer, 1);
    QTRY_COMPARE_WITH_TIMEOUT(messages.size(), 3, kWait);
}

void tst_RedisConnection::backoffIsNotLoggedPerAttempt()
{
    if (!lcRelay().isInfoEnabled())
        QSKIP("herald.relay info logging is disabled (QT_LOGGING_RULES?)");
    static QStringList relayInfo;
    relayInfo.clear();
    const QtMessageHandler previous = qInstallMessageHandler(
        [](QtMsgType type, const QMessageLogContext &context, const QString &message) {
            if (type == QtInfoMsg && qstrcmp(context.category, "herald.relay") == 0)
                relayInfo << message;
        });

    RedisUrl url;
    url.port = deadPort();
    {
        RedisConnection connection;
        QSignalSpy stateSpy(&connection, &RedisConnection::stateChanged);
        connection.setReconnectDelays(10, 40);
        connection.open(url);
        // About 20 attempts go by; only two state changes do.
        QTest::qWait(800);
        QCOMPARE(stateSpy.size(), 2);
        QCOMPARE(connection.state(), RedisConnection::State::Reconnecting);
    }
    qInstallMessageHandler(previous);
    QCOMPARE(relayInfo.size(), 2);
    QVERIFY2(relayInfo.at(0).contains("connecting"), qPrintable(relayInfo.at(0)));
    QVERIFY2(relayInfo.at(1).contains("unreachable"), qPrintable(relayInfo.at(1)));
}

void tst_RedisConnection::attemptTimesOut()
{
    SilentServer server;
    RedisConnection connection;
    connection.setConnectTimeout(200);
    connection.setReconnectDelays(50, 50);
    connection.open(server.url());
    QTRY_VERIFY_WITH_TIMEOUT(!connection.lastError().isEmpty(), kWait);
    QCOMPARE(connection.lastError(), QStringLiteral("timed out connecting"));
    QCOMPARE(connection.state(), RedisConnection::State::Reconnecting);
    // And it tries again.
    QTRY_VERIFY_WITH_TIMEOUT(server.accepted >= 2, kWait);
}

void tst_RedisConnection::protocolErrorIsRetried()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    int accepted = 0;
    QByteArray received;
    connect(&server, &QTcpServer::newConnection, &server, [&] {
        while (QTcpSocket *socket = server.nextPendingConnection()) {
            ++accepted;
            socket->write("this is not RESP\r\n");
            socket->setParent(&server);
        }
    });
    RedisUrl url;
    url.port = server.serverPort();
    RedisConnection connection;
    connection.setReconnectDelays(20, 20);
    connection.open(url);
    QTRY_VERIFY_WITH_TIMEOUT(accepted >= 2, kWait);
    QVERIFY2(connection.lastError().contains("protocol", Qt::CaseInsensitive),
             qPrintable(connection.lastError()));
    QVERIFY(!connection.isConnected());
}

void tst_RedisConnection::deleteWhileConnecting()
{
    RedisProcess redis;
    START_REDIS(redis);
    // Right after open(): the TCP connect is in flight, the handshake queued.
    for (int i = 0; i < 5; ++i) {
        auto *connection = new RedisConnection;
        bool called = false;
        connection->open(urlOf(redis));
        connection->command({"PING"}, [&](const RedisReply &) { called = true; });
        QVERIFY(called);
        delete connection;
    }
    // After a few event loop turns.
    for (int i = 0; i < 5; ++i) {
        auto *connection = new RedisConnection(RedisConnection::Mode::Subscriber);
        connection->subscribe({"x"});
        connection->open(urlOf(redis));
        QTest::qWait(i);
        delete connection;
    }
    // deleteLater while connecting.
    QPointer<RedisConnection> later = new RedisConnection;
    later->open(urlOf(redis));
    later->deleteLater();
    QTRY_VERIFY_WITH_TIMEOUT(later.isNull(), kWait);

    // The server is still fine.
    RedisConnection check;
    check.open(urlOf(redis));
    QVERIFY(waitConnected(check));
}

void tst_RedisConnection::deleteWhileReconnecting()
{
    RedisUrl url;
    url.port = deadPort();
    auto *connection = new RedisConnection;
    connection->setReconnectDelays(10, 10);
    connection->open(url);
    QTRY_COMPARE_WITH_TIMEOUT(connection->state(), RedisConnection::State::Reconnecting, kWait);
    QTest::qWait(50); // attempts and timers going on
    delete connection;

    // Deleted from its own stateChanged while an attempt fails.
    QPointer<RedisConnection> guarded = new RedisConnection;
    connect(guarded.data(), &RedisConnection::stateChanged, guarded.data(),
            [&](RedisConnection::State state) {
                if (state == RedisConnection::State::Reconnecting)
                    delete guarded.data();
            });
    guarded->open(url);
    QTRY_VERIFY_WITH_TIMEOUT(guarded.isNull(), kWait);
}

void tst_RedisConnection::deleteMidHandshake()
{
    SilentServer server;
    QPointer<RedisConnection> connection = new RedisConnection;
    // Pending handshake plus a user callback that must not run after deletion.
    connection->open(server.url());
    // hiredis saw the connect and wrote SELECT.
    QTRY_VERIFY_WITH_TIMEOUT(server.received.contains("SELECT"), kWait);
    QCOMPARE(server.accepted, 1);
    QCOMPARE(connection->state(), RedisConnection::State::Connecting);
    delete connection.data();
    QVERIFY(connection.isNull());
    QTest::qWait(20);
}

void tst_RedisConnection::deleteInsideSignal_data()
{
    QTest::addColumn<bool>("subscriber");
    QTest::addColumn<QString>("signal");
    QTest::newRow("connected") << false << "connected";
    QTest::newRow("connected, subscriber") << true << "connected";
    QTest::newRow("subscribed") << true << "subscribed";
    QTest::newRow("stateChanged(Connecting), inside open()") << false << "Connecting";
    QTest::newRow("stateChanged(Connected)") << false << "Connected";
    QTest::newRow("stateChanged(Connected), subscriber") << true << "Connected";
}

void tst_RedisConnection::deleteInsideSignal()
{
    QFETCH(bool, subscriber);
    QFETCH(QString, signal);
    RedisProcess redis;
    START_REDIS(redis);

    QPointer<RedisConnection> connection = new RedisConnection(
        subscriber ? RedisConnection::Mode::Subscriber : RedisConnection::Mode::Command);
    RedisConnection *raw = connection.data();
    if (subscriber)
        raw->subscribe({"a", "b"});
    if (signal == QLatin1String("connected"))
        connect(raw, &RedisConnection::connected, raw, [raw] { delete raw; });
    if (signal == QLatin1String("subscribed"))
        connect(raw, &RedisConnection::subscribed, raw, [raw] { delete raw; });
    if (signal == QLatin1String("Connecting") || signal == QLatin1String("Connected")) {
        const auto wanted = signal == QLatin1String("Connecting")
            ? RedisConnection::State::Connecting
            : RedisConnection::State::Connected;
        connect(raw, &RedisConnection::stateChanged, raw,
                [raw, wanted](RedisConnection::State state) {
                    if (state == wanted)
                        delete raw;
                });
    }
    raw->open(urlOf(redis));
    QTRY_VERIFY_WITH_TIMEOUT(connection.isNull(), kWait);
    QTest::qWait(20); // whatever hiredis still had to do for the dead connection
}

void tst_RedisConnection::deleteInsideCommandCallback()
{
    RedisProcess redis;
    START_REDIS(redis);
    QPointer<RedisConnection> connection = new RedisConnection;
    connection->open(urlOf(redis));
    QVERIFY(waitConnected(*connection));

    // Several replies arrive in one read; the first callback deletes the connection. The others
    // are dropped, not called on a dead object.
    int later = 0;
    bool deleted = false;
    connection->command({"PING"}, [&](const RedisReply &reply) {
        QCOMPARE(reply.str, QByteArray("PONG"));
        deleted = true;
        delete connection.data();
    });
    for (int i = 0; i < 10; ++i)
        connection->command({"PING"}, [&](const RedisReply &) { ++later; });
    QTRY_VERIFY_WITH_TIMEOUT(deleted, kWait);
    QVERIFY(connection.isNull());
    QTest::qWait(50);
    QCOMPARE(later, 0);

    // close() from inside a callback: the rest get an error.
    RedisConnection closing;
    closing.open(urlOf(redis));
    QVERIFY(waitConnected(closing));
    QList<QByteArray> results;
    closing.command({"PING"}, [&](const RedisReply &reply) {
        results << reply.str;
        closing.close();
    });
    closing.command({"PING"}, [&](const RedisReply &reply) { results << reply.str; });
    QTRY_COMPARE_WITH_TIMEOUT(results.size(), 2, kWait);
    QCOMPARE(results.at(0), QByteArray("PONG"));
    QVERIFY2(results.at(1).startsWith("disconnected: connection closed"),
             results.at(1).constData());
    QCOMPARE(closing.state(), RedisConnection::State::Disconnected);
}

void tst_RedisConnection::deleteInsideMessageSignal()
{
    RedisProcess redis;
    START_REDIS(redis);
    QPointer<RedisConnection> subscriber = new RedisConnection(RedisConnection::Mode::Subscriber);
    subscriber->subscribe({"m"});
    int messages = 0;
    connect(subscriber.data(), &RedisConnection::message, subscriber.data(), [&] {
        ++messages;
        delete subscriber.data();
    });
    subscriber->open(urlOf(redis));
    QVERIFY(waitConnected(*subscriber));
    RedisConnection publisher;
    publisher.open(urlOf(redis));
    QVERIFY(waitConnected(publisher));
    // Several messages in one burst: only the first is delivered.
    for (int i = 0; i < 10; ++i)
        publisher.command({"PUBLISH", "m", QByteArray::number(i)});
    QTRY_VERIFY_WITH_TIMEOUT(subscriber.isNull(), kWait);
    QTest::qWait(50);
    QCOMPARE(messages, 1);
    QCOMPARE(exec(publisher, {"PUBLISH", "m", "gone"}).integer, 0);
}

void tst_RedisConnection::deleteInsideDisconnectedSignal()
{
    RedisProcess redis;
    START_REDIS(redis);
    QPointer<RedisConnection> command = new RedisConnection;
    QPointer<RedisConnection> subscriber = new RedisConnection(RedisConnection::Mode::Subscriber);
    subscriber->subscribe({"s"});
    for (const QPointer<RedisConnection> &connection : {command, subscriber}) {
        RedisConnection *raw = connection.data();
        connect(raw, &RedisConnection::disconnected, raw, [raw] { delete raw; });
        raw->open(urlOf(redis));
        QVERIFY(waitConnected(*raw));
    }
    redis.kill();
    QTRY_VERIFY_WITH_TIMEOUT(command.isNull() && subscriber.isNull(), kWait);
}

void tst_RedisConnection::deleteInsidePendingErrorCallback()
{
    RedisProcess redis;
    START_REDIS(redis);
    QPointer<RedisConnection> connection = new RedisConnection;
    connection->open(urlOf(redis));
    QVERIFY(waitConnected(*connection));
    int calls = 0;
    connection->command({"BLPOP", "nothing", "0"}, [&](const RedisReply &reply) {
        ++calls;
        QVERIFY(reply.isError());
        delete connection.data();
    });
    connection->command({"BLPOP", "nothing", "0"}, [&](const RedisReply &) { ++calls; });
    {
        RedisConnection admin;
        admin.open(urlOf(redis));
        QVERIFY(waitConnected(admin));
        QTRY_VERIFY_WITH_TIMEOUT(hasBlockedClient(admin), kWait);
    }
    redis.kill();
    QTRY_VERIFY_WITH_TIMEOUT(connection.isNull(), kWait);
    QTest::qWait(20);
    QCOMPARE(calls, 1); // the second callback was dropped with the connection

    // Same while the connection closes itself.
    QVERIFY2(redis.start(), qPrintable(redis.errorString()));
    connection = new RedisConnection;
    connection->open(urlOf(redis));
    QVERIFY(waitConnected(*connection));
    calls = 0;
    connection->command({"BLPOP", "nothing", "0"}, [&](const RedisReply &) {
        ++calls;
        delete connection.data();
    });
    connection->command({"BLPOP", "nothing", "0"}, [&](const RedisReply &) { ++calls; });
    {
        RedisConnection admin;
        admin.open(urlOf(redis));
        QVERIFY(waitConnected(admin));
        QTRY_VERIFY_WITH_TIMEOUT(hasBlockedClient(admin), kWait);
    }
    connection->close();
    QVERIFY(connection.isNull());
    QCOMPARE(calls, 1);
}

void tst_RedisConnection::closeAndReopenInsideCallback()
{
    RedisProcess redis;
    START_REDIS(redis);
    RedisConnection connection;
    connection.open(urlOf(redis));
    QVERIFY(waitConnected(connection));
    QSignalSpy connectedSpy(&connection, &RedisConnection::connected);
    const RedisUrl url = urlOf(redis, 2);
    connection.command({"PING"}, [&](const RedisReply &) { connection.open(url); });
    QVERIFY(connectedSpy.wait(kWait));
    QCOMPARE(connection.url().db, 2);
    QCOMPARE(exec(connection, {"SET", "k", "v"}).str, QByteArray("OK"));
    RedisConnection db2;
    db2.open(url);
    QVERIFY(waitConnected(db2));
    QCOMPARE(exec(db2, {"GET", "k"}).str, QByteArray("v"));
}

QTEST_GUILESS_MAIN(tst_RedisConnection)
#include "tst_redisconnection.moc"
