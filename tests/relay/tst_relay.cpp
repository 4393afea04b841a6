// Several Herald nodes relayed through a real, private redis-server.

#include "node/node.h"
#include "redisprocess.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <optional>

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcTest, "herald.test")

using namespace Herald;
using namespace Herald::Test;

class tst_Relay : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void publishOnOneReachesEveryNodeOnce();
    void alternatingPublishersShareOneOrder();
    void resumeOnAnotherNode();
    void lateNodeServesHistory();
    void redisRestart();
    void lostSequenceWaitsForTheOtherNodes();
    void pausedRelayCatchesUp();
    void resumeOnANodeThatIsBehind();
    void failedCatchUpLosesNothing();
    void presenceAndHealth();

private:
    // One command on a connection of the test's own; the reply, or an error after a time-out.
    RedisReply redis(const QList<QByteArray> &argv);
    void fault(Node *node, const QByteArray &json);
    Node *addNode(const QString &name);
    std::unique_ptr<RawHttpClient> subscribe(Node *node, const QByteArray &target,
                                             const QList<QByteArray> &headers = {});
    static qint64 publishOn(Node *node, const QByteArray &data, int *status = nullptr);
    static bool allConnected(const std::vector<std::unique_ptr<Node>> &nodes);

    std::unique_ptr<RedisProcess> m_redis;
    std::vector<std::unique_ptr<Node>> m_nodes;
};

void tst_Relay::init()
{
    if (RedisProcess::executable().isEmpty())
        QFAIL(RedisProcess::missingMessage());
    m_redis = std::make_unique<RedisProcess>();
    QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
}

void tst_Relay::cleanup()
{
    m_nodes.clear();
    m_redis.reset();
}

Node *tst_Relay::addNode(const QString &name)
{
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    config.broadcast.nodeId = name;
    RelayConfig relay;
    relay.url = *RedisUrl::parse(m_redis->url());
    relay.presenceIntervalMs = 200;
    config.relay = relay;
    auto node = std::make_unique<Node>(config);
    QString error;
    if (!node->start(&error)) {
        qCWarning(lcTest) << "cannot start node:" << error;
        return nullptr;
    }
    Relay *nodeRelay = node->relay();
    if (!QTest::qWaitFor([nodeRelay] { return nodeRelay->isCaughtUp(); }, 10000))
        return nullptr;
    m_nodes.push_back(std::move(node));
    return m_nodes.back().get();
}

RedisReply tst_Relay::redis(const QList<QByteArray> &argv)
{
    RedisConnection connection;
    connection.open(*RedisUrl::parse(m_redis->url()));
    if (!QTest::qWaitFor([&connection] { return connection.isConnected(); }, 5000))
        return RedisReply::error("test: cannot connect to redis");
    std::optional<RedisReply> reply;
    connection.command(argv, [&reply](const RedisReply &r) { reply = r; });
    if (!QTest::qWaitFor([&reply] { return reply.has_value(); }, 5000))
        return RedisReply::error("test: no reply");
    return *reply;
}

void tst_Relay::fault(Node *node, const QByteArray &json)
{
    const HttpResult result
        = httpRequest(node->port(), "POST", "/faults", {"Content-Type: application/json"}, json);
    QCOMPARE(result.status, 200);
}

bool tst_Relay::allConnected(const std::vector<std::unique_ptr<Node>> &nodes)
{
    for (const auto &node : nodes) {
        if (!node->relay()->isCaughtUp())
            return false;
    }
    return true;
}

std::unique_ptr<RawHttpClient> tst_Relay::subscribe(Node *node, const QByteArray &target,
                                                    const QList<QByteArray> &headers)
{
    auto client = std::make_unique<RawHttpClient>(node->port());
    QSignalSpy connected(node->broadcaster(), &Broadcaster::clientConnected);
    if (!client->connectToServer())
        return nullptr;
    client->get(target, headers);
    if (!client->waitForHead() || client->status() != 200)
        return nullptr;
    if (connected.isEmpty() && !connected.wait(5000))
        return nullptr;
    return client;
}

qint64 tst_Relay::publishOn(Node *node, const QByteArray &data, int *status)
{
    const HttpResult result = publishJson(node->port(), R"({"data":")" + data + R"("})");
    if (status)
        *status = result.status;
    if (result.status != 202)
        return -1;
    return QJsonDocument::fromJson(result.body)
        .object()
        .value(QLatin1String("id"))
        .toString()
        .toLongLong();
}

void tst_Relay::publishOnOneReachesEveryNodeOnce()
{
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    Node *c = addNode(QStringLiteral("c"));
    QVERIFY(a && b && c);
    auto onA = subscribe(a, "/events");
    auto onB = subscribe(b, "/events");
    auto onC = subscribe(c, "/events");
    QVERIFY(onA && onB && onC);

    const qint64 id = publishOn(a, "hello");
    QVERIFY(id > 0);
    const QByteArray frame = "id: " + QByteArray::number(id) + "\ndata: hello\n\n";
    for (auto *client : {onA.get(), onB.get(), onC.get()}) {
        QVERIFY(client->waitForBodyContaining(frame));
        QCOMPARE(client->ids(), QList<qint64>{id});
    }
    // The publishing node did not deliver its own event a second time as Redis echoed it: a
    // second event arrives after anything the first could still bring, since delivery is in
    // order, so once it is there the count is final.
    const qint64 second = publishOn(a, "second");
    QVERIFY(onA->waitForBodyContaining("id: " + QByteArray::number(second) + "\n"));
    QCOMPARE(onA->ids(), (QList<qint64>{id, second}));
    QCOMPARE(a->broadcaster()->metrics().eventsPublished, quint64(2));
    QCOMPARE(onA->body().count(frame), 1);
}

void tst_Relay::alternatingPublishersShareOneOrder()
{
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    QVERIFY(a && b);
    auto onA = subscribe(a, "/events");
    auto onB = subscribe(b, "/events");
    QVERIFY(onA && onB);

    QList<qint64> published;
    for (int i = 0; i < 200; ++i) {
        const qint64 id = publishOn(i % 2 ? b : a, QByteArray::number(i));
        QVERIFY(id > 0);
        published.append(id);
    }
    QList<qint64> sorted = published;
    std::sort(sorted.begin(), sorted.end());
    QCOMPARE(published, sorted); // each publish waited for its answer, so ids grew
    QTRY_COMPARE_WITH_TIMEOUT(onA->ids(), published, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(onB->ids(), published, 10000);
    QCOMPARE(onA->frames(), onB->frames()); // same ids, same data, same order
}

void tst_Relay::resumeOnAnotherNode()
{
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    QVERIFY(a && b);

    auto first = subscribe(a, "/events");
    QVERIFY(first);
    QList<qint64> ids;
    for (int i = 0; i < 5; ++i)
        ids.append(publishOn(a, "before"));
    QTRY_COMPARE(first->ids(), ids);
    QSignalSpy gone(a->broadcaster(), &Broadcaster::clientDisconnected);
    first->socket().disconnectFromHost();
    QVERIFY(gone.wait());

    QList<qint64> missed;
    for (int i = 0; i < 4; ++i)
        missed.append(publishOn(i % 2 ? a : b, "missed"));
    QTRY_COMPARE(b->broadcaster()->history().newestId(), missed.last());

    // Resume on the other node with the last id seen on the first.
    auto resumed = subscribe(b, "/events", {"Last-Event-ID: " + QByteArray::number(ids.last())});
    QVERIFY(resumed);
    QCOMPARE(resumed->header("herald-replay"), QByteArray("full"));
    const qint64 live = publishOn(a, "live");
    QList<qint64> expected = missed;
    expected.append(live);
    QTRY_COMPARE(resumed->ids(), expected);
}

void tst_Relay::lateNodeServesHistory()
{
    Node *a = addNode(QStringLiteral("a"));
    QVERIFY(a);
    QList<qint64> ids;
    for (int i = 0; i < 10; ++i)
        ids.append(publishOn(a, QByteArray::number(i)));

    Node *late = addNode(QStringLiteral("late"));
    QVERIFY(late);
    QCOMPARE(late->broadcaster()->history().newestId(), ids.last());
    auto client = subscribe(late, "/events", {"Last-Event-ID: " + QByteArray::number(ids.first())});
    QVERIFY(client);
    QCOMPARE(client->header("herald-replay"), QByteArray("full"));
    QTRY_COMPARE(client->ids(), ids.mid(1));

    // And it publishes above what it learnt.
    QCOMPARE(publishOn(late, "next"), ids.last() + 1);
}

void tst_Relay::redisRestart()
{
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    QVERIFY(a && b);
    auto onA = subscribe(a, "/events");
    auto onB = subscribe(b, "/events");
    QVERIFY(onA && onB);
    QList<qint64> ids;
    for (int i = 0; i < 3; ++i)
        ids.append(publishOn(i % 2 ? b : a, "before"));
    QTRY_COMPARE(onB->ids(), ids);

    m_redis->kill(); // SIGKILL: Redis loses everything it had in memory
    QTRY_VERIFY(a->relay()->state() == Relay::State::Disconnected);
    QTRY_VERIFY(b->relay()->state() == Relay::State::Disconnected);

    // During the outage a publish is refused with a reason, never silently dropped, and the
    // clients keep their streams.
    int status = 0;
    const HttpResult refused = publishJson(a->port(), R"({"data":"during"})");
    QCOMPARE(refused.status, 503);
    QVERIFY(QJsonDocument::fromJson(refused.body)
                .object()
                .value(QLatin1String("error"))
                .toString()
                .contains(QLatin1String("not accepted")));
    QVERIFY(onA->isConnected() && onB->isConnected());
    const HttpResult health = httpRequest(a->port(), "GET", "/healthz");
    QCOMPARE(QJsonDocument::fromJson(health.body)
                 .object()
                 .value(QLatin1String("relay"))
                 .toObject()
                 .value(QLatin1String("state"))
                 .toString(),
             QStringLiteral("disconnected"));

    QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(allConnected(m_nodes), 15000);
    // Redis came back empty: each node publishes again once the other has raised the sequence.
    QTRY_VERIFY(!a->relay()->isResynchronising() && !b->relay()->isResynchronising());

    // Nothing published after recovery is lost, and ids never go back.
    QList<qint64> after;
    for (int i = 0; i < 6; ++i) {
        after.append(publishOn(i % 2 ? b : a, "after", &status));
        QCOMPARE(status, 202);
    }
    QVERIFY(after.first() > ids.last());
    QTRY_COMPARE(onA->ids(), ids + after);
    QTRY_COMPARE(onB->ids(), ids + after);
    QVERIFY(!onA->body().contains("during"));
    QVERIFY(httpRequest(a->port(), "GET", "/metrics")
                .body.contains("herald_relay_reconnects_total 2\n"));
}

void tst_Relay::lostSequenceWaitsForTheOtherNodes()
{
    // Redis restarts empty while a node it knew is still away. That node may have handed out
    // ids this one never saw, so numbering events now could reuse them: publishing is refused
    // until it is back or a few seconds have passed.
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    QVERIFY(a && b);
    QTRY_COMPARE(a->relay()->nodes().size(), 2);
    const qint64 before = publishOn(b, "before");
    QTRY_COMPARE(a->broadcaster()->history().newestId(), before);

    m_redis->kill();
    QTRY_VERIFY(a->relay()->state() == Relay::State::Disconnected);
    m_nodes.back()->stop(); // b stays away
    QVERIFY2(m_redis->start(), qPrintable(m_redis->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(a->relay()->isCaughtUp(), 15000);
    QTRY_VERIFY(a->relay()->isResynchronising());

    const HttpResult refused = publishJson(a->port(), R"({"data":"too early"})");
    QCOMPARE(refused.status, 503);
    QVERIFY(refused.body.contains("other nodes"));

    // b does not come back: after the wait a publishes again, above every id it knew.
    QTRY_VERIFY_WITH_TIMEOUT(!a->relay()->isResynchronising(), 10000);
    int status = 0;
    const qint64 after = publishOn(a, "after", &status);
    QCOMPARE(status, 202);
    QVERIFY(after > before);
}

void tst_Relay::pausedRelayCatchesUp()
{
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    QVERIFY(a && b);
    auto onB = subscribe(b, "/events");
    QVERIFY(onB);

    const QList<QByteArray> json = {"Content-Type: application/json"};
    QCOMPARE(httpRequest(b->port(), "POST", "/faults", json, R"({"fault":"pause-relay"})").status,
             200);
    QCOMPARE(b->relay()->state(), Relay::State::Paused);
    int status = 0;
    publishOn(b, "on paused node", &status);
    QCOMPARE(status, 503);

    QList<qint64> ids;
    for (int i = 0; i < 3; ++i)
        ids.append(publishOn(a, "while paused"));
    QTRY_COMPARE(a->broadcaster()->history().newestId(), ids.last());
    QCOMPARE(b->broadcaster()->history().newestId(), qint64(0));
    QVERIFY(onB->ids().isEmpty());

    QCOMPARE(httpRequest(b->port(), "POST", "/faults", json, R"({"fault":"resume-relay"})").status,
             200);
    QTRY_COMPARE(onB->ids(), ids);
    ids.append(publishOn(b, "after"));
    QTRY_COMPARE(onB->ids(), ids);
}

void tst_Relay::resumeOnANodeThatIsBehind()
{
    // Behind a load balancer a client may come back on a node that has not received yet what
    // the client already saw elsewhere. It must not get those events again when they arrive,
    // and a client that starts fresh there must not get old events as if they were live.
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    QVERIFY(a && b);
    fault(b, R"({"fault":"pause-relay"})");
    if (QTest::currentTestFailed())
        return;

    auto onA = subscribe(a, "/events");
    QVERIFY(onA);
    QList<qint64> seen;
    for (int i = 0; i < 5; ++i)
        seen.append(publishOn(a, "seen on a"));
    QTRY_COMPARE(onA->ids(), seen);
    QCOMPARE(b->broadcaster()->history().newestId(), qint64(0));
    // B learns from A's presence that these ids exist, although it holds none of them.
    QTRY_COMPARE(b->broadcaster()->knownNewestId(), seen.last());

    auto resumed = subscribe(b, "/events", {"Last-Event-ID: " + QByteArray::number(seen.last())});
    auto fresh = subscribe(b, "/events");
    QVERIFY(resumed && fresh);
    QCOMPARE(resumed->header("herald-replay"), QByteArray("gap"));

    fault(b, R"({"fault":"resume-relay"})");
    QTRY_COMPARE(b->broadcaster()->history().newestId(), seen.last());
    const qint64 live = publishOn(a, "live");
    QTRY_COMPARE(resumed->ids(), QList<qint64>{live});
    QTRY_COMPARE(fresh->ids(), QList<qint64>{live});
}

void tst_Relay::failedCatchUpLosesNothing()
{
    // A catch-up read that fails (here Redis refuses XRANGE to everyone, as it would answer a
    // read cut off by a lost link) must not write the missing events off: they are still in the
    // stream, and the node delivers them once it can read it again.
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    QVERIFY(a && b);
    auto onB = subscribe(b, "/events");
    QVERIFY(onB);
    QList<qint64> ids{publishOn(a, "first")};
    QTRY_COMPARE(onB->ids(), ids);

    fault(b, R"({"fault":"pause-relay"})");
    for (int i = 0; i < 2; ++i)
        ids.append(publishOn(a, "while paused"));
    QVERIFY(redis({"ACL", "SETUSER", "default", "-xrange"}).isStatus());
    fault(b, R"({"fault":"resume-relay"})");
    // Redis logs each refused command: the catch-up was tried, and failed.
    QTRY_VERIFY(!redis({"ACL", "LOG"}).elements.isEmpty());

    // An event that arrives live while the hole is still open waits behind it.
    ids.append(publishOn(a, "after the hole"));
    QTRY_COMPARE(b->broadcaster()->knownNewestId(), ids.last());
    QCOMPARE(onB->ids(), ids.mid(0, 1));

    QVERIFY(redis({"ACL", "SETUSER", "default", "+xrange"}).isStatus());
    QTRY_COMPARE(onB->ids(), ids);
    const QByteArray metrics = b->relay()->metricsText();
    QVERIFY2(metrics.contains("herald_relay_missing_events_total 0\n"), metrics.constData());
}

void tst_Relay::presenceAndHealth()
{
    Node *a = addNode(QStringLiteral("a"));
    Node *b = addNode(QStringLiteral("b"));
    QVERIFY(a && b);
    auto client = subscribe(b, "/events");
    QVERIFY(client);

    QJsonArray nodes;
    QTRY_VERIFY([&] {
        nodes = QJsonDocument::fromJson(httpRequest(a->port(), "GET", "/nodes").body).array();
        return nodes.size() == 2;
    }());
    QStringList names;
    for (const QJsonValue &node : nodes) {
        names.append(node.toObject().value(QLatin1String("id")).toString());
    }
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
    // What each node announces is read afresh: b has its one client, and its own URL.
    const auto entryOfB = [this, a]() -> QJsonObject {
        const QJsonArray list
            = QJsonDocument::fromJson(httpRequest(a->port(), "GET", "/nodes").body).array();
        for (const QJsonValue &node : list) {
            if (node.toObject().value(QLatin1String("id")).toString() == QLatin1String("b"))
                return node.toObject();
        }
        return {};
    };
    QTRY_COMPARE(entryOfB().value(QLatin1String("clients")).toInt(), 1);
    QCOMPARE(entryOfB().value(QLatin1String("url")).toString(), b->url().toString());
    QVERIFY(entryOfB().contains(QLatin1String("eventsPerSecond")));

    const QJsonObject relay
        = QJsonDocument::fromJson(httpRequest(a->port(), "GET", "/healthz").body)
              .object()
              .value(QLatin1String("relay"))
              .toObject();
    QCOMPARE(relay.value(QLatin1String("state")).toString(), QStringLiteral("connected"));
    QCOMPARE(relay.value(QLatin1String("node")).toString(), QStringLiteral("a"));
    const QByteArray metrics = httpRequest(a->port(), "GET", "/metrics").body;
    QVERIFY(metrics.contains("herald_relay_connected 1\n"));
    QVERIFY(metrics.contains("herald_relay_lag_ms{quantile=\"0.99\"}"));

    // A node that stops leaves the list at once, not when its entry would expire.
    m_nodes.back()->stop();
    QCOMPARE(redis({"EXISTS", "herald:node:b"}).integer, qint64(0));
    QCOMPARE(redis({"SISMEMBER", "herald:nodes", "b"}).integer, qint64(0));
    QTRY_VERIFY_WITH_TIMEOUT(
        QJsonDocument::fromJson(httpRequest(a->port(), "GET", "/nodes").body).array().size() == 1,
        5000);
}

QTEST_GUILESS_MAIN(tst_Relay)
#include "tst_relay.moc"
