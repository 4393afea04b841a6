// The HTTP API end to end: a real Node on a free loopback port, driven by real sockets.

#include "node/node.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <memory>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Herald;
using namespace Herald::Test;

class tst_HttpApi : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void streamOpensAtOnce();
    void framingOnTheWire();
    void topicsAreSeparate();
    void replay_data();
    void replay();
    void replaySeamUnderLoad();
    void heartbeat();
    void kickFlushesAndCloses();
    void kickReset();
    void clientRemovedOnDisconnect();
    void stalledReaderIsCutLoose();
    void errors_data();
    void errors();
    void rejectedPublishReachesNoOne();
    void token();
    void expectContinue_data();
    void expectContinue();
    void oversizedBodyRefusedEarly();
    void headRequests();
    void pipelinedBytesNeverEnterTheStream();
    void pipelinedRequestSplitAcrossReads();
    void batchPublish();
    void formPublish();
    void clientsAndMetrics();
    void maxClients();
    void demoPage();
    void faultsApi();
    void curlReceivesEvents();

private:
    void startNode(const std::function<void(NodeConfig &)> &configure = {});
    quint16 port() const { return m_node->port(); }
    std::unique_ptr<RawHttpClient> subscribe(const QByteArray &target,
                                             const QList<QByteArray> &headers = {});
    qint64 publish(const QByteArray &json);

    std::unique_ptr<Node> m_node;
};

void tst_HttpApi::init()
{
    startNode();
}

void tst_HttpApi::cleanup()
{
    m_node.reset();
}

void tst_HttpApi::startNode(const std::function<void(NodeConfig &)> &configure)
{
    m_node.reset();
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 2;
    // Clients alternate between the two workers, so that every case also runs across workers.
    config.broadcast.clientsPerWorker = 0;
    config.broadcast.nodeId = QStringLiteral("test-node");
    if (configure)
        configure(config);
    m_node = std::make_unique<Node>(config);
    QString error;
    QVERIFY2(m_node->start(&error), qPrintable(error));
}

std::unique_ptr<RawHttpClient> tst_HttpApi::subscribe(const QByteArray &target,
                                                      const QList<QByteArray> &headers)
{
    auto client = std::make_unique<RawHttpClient>(port());
    QSignalSpy connected(m_node->broadcaster(), &Broadcaster::clientConnected);
    if (!client->connectToServer())
        return nullptr;
    client->get(target, headers);
    if (!client->waitForHead())
        return nullptr;
    // The stream is live once the broadcaster has it; events published after this reach it.
    if (client->status() == 200 && connected.isEmpty() && !connected.wait(5000))
        return nullptr;
    return client;
}

qint64 tst_HttpApi::publish(const QByteArray &json)
{
    const HttpResult result = publishJson(port(), json);
    if (result.status != 202)
        return -1;
    return QJsonDocument::fromJson(result.body)
        .object()
        .value(QLatin1String("id"))
        .toString()
        .toLongLong();
}

void tst_HttpApi::streamOpensAtOnce()
{
    auto client = subscribe("/events");
    QVERIFY(client);
    QCOMPARE(client->status(), 200);
    QCOMPARE(client->header("content-type"), QByteArray("text/event-stream"));
    QCOMPARE(client->header("cache-control"), QByteArray("no-cache"));
    QCOMPARE(client->header("x-accel-buffering"), QByteArray("no"));
    QCOMPARE(client->header("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(!client->hasHeader("content-length"));
    QVERIFY(!client->hasHeader("herald-replay")); // no Last-Event-ID, no replay header

    // retry and a comment arrive before any event exists.
    QVERIFY(client->waitForBodyContaining("\n\n"));
    QVERIFY2(client->body().startsWith("retry: 3000\n:"), client->body().constData());
    QVERIFY(client->frames().isEmpty());
}

void tst_HttpApi::framingOnTheWire()
{
    auto client = subscribe("/events");
    QVERIFY(client);
    QVERIFY(client->waitForBodyContaining("\n\n"));
    const qsizetype preamble = client->body().size();

    QCOMPARE(publish(R"({"data":"one"})"), 1);
    QCOMPARE(publish(R"({"event":"update","data":"a\nb\r\nc\rd"})"), 2);
    QCOMPARE(publish(R"({"data":{"k":[1,2]},"retry":1234})"), 3);

    const QByteArray expected = "id: 1\ndata: one\n\n"
                                "id: 2\nevent: update\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
                                "id: 3\nretry: 1234\ndata: {\"k\":[1,2]}\n\n";
    QVERIFY(client->waitForBodySize(preamble + expected.size()));
    QCOMPARE(client->body().mid(preamble), expected);
}

void tst_HttpApi::topicsAreSeparate()
{
    auto onA = subscribe("/events?topic=a");
    auto onB = subscribe("/events?topic=b");
    auto onBoth = subscribe("/events?topic=a&topic=b");
    auto onDefault = subscribe("/events");
    QVERIFY(onA && onB && onBoth && onDefault);

    QCOMPARE(publish(R"({"topic":"a","data":"1"})"), 1);
    QCOMPARE(publish(R"({"topic":"b","data":"2"})"), 2);
    QCOMPARE(publish(R"({"topic":"c","data":"3"})"), 3);
    QCOMPARE(publish(R"({"data":"4"})"), 4);
    QCOMPARE(publish(R"({"topic":"a","data":"5"})"), 5);

    QTRY_COMPARE(onBoth->ids(), (QList<qint64>{1, 2, 5}));
    QTRY_COMPARE(onA->ids(), (QList<qint64>{1, 5}));
    QTRY_COMPARE(onB->ids(), (QList<qint64>{2}));
    QTRY_COMPARE(onDefault->ids(), (QList<qint64>{4}));
}

void tst_HttpApi::replay_data()
{
    QTest::addColumn<int>("history");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QList<QByteArray>>("headers");
    QTest::addColumn<QByteArray>("replayHeader");
    QTest::addColumn<QList<qint64>>("replayed");

    // Six events are published first: ids 1..6, odd ones on topic "a", even ones on "b".
    QTest::newRow("header, all retained")
        << 10 << QByteArray("/events?topic=a&topic=b") << QList<QByteArray>{"Last-Event-ID: 3"}
        << QByteArray("full") << QList<qint64>{4, 5, 6};
    QTest::newRow("query, all retained")
        << 10 << QByteArray("/events?topic=a&topic=b&lastEventId=4") << QList<QByteArray>{}
        << QByteArray("full") << QList<qint64>{5, 6};
    QTest::newRow("header wins over query")
        << 10 << QByteArray("/events?topic=a&topic=b&lastEventId=1")
        << QList<QByteArray>{"Last-Event-ID: 5"} << QByteArray("full") << QList<qint64>{6};
    QTest::newRow("topic filter") << 10 << QByteArray("/events?topic=a")
                                  << QList<QByteArray>{"Last-Event-ID: 1"} << QByteArray("full")
                                  << QList<qint64>{3, 5};
    QTest::newRow("up to date") << 10 << QByteArray("/events?topic=a&topic=b")
                                << QList<QByteArray>{"Last-Event-ID: 6"} << QByteArray("full")
                                << QList<qint64>{};
    QTest::newRow("too old") << 3 << QByteArray("/events?topic=a&topic=b")
                             << QList<QByteArray>{"Last-Event-ID: 1"} << QByteArray("gap")
                             << QList<qint64>{4, 5, 6};
    QTest::newRow("ahead of newest")
        << 10 << QByteArray("/events?topic=a&topic=b") << QList<QByteArray>{"Last-Event-ID: 99"}
        << QByteArray("gap") << QList<qint64>{};
    QTest::newRow("malformed") << 10 << QByteArray("/events?topic=a&topic=b")
                               << QList<QByteArray>{"Last-Event-ID: abc"} << QByteArray("gap")
                               << QList<qint64>{};
    QTest::newRow("empty header leaves the query")
        << 10 << QByteArray("/events?topic=a&topic=b&lastEventId=5")
        << QList<QByteArray>{"Last-Event-ID: "} << QByteArray("full") << QList<qint64>{6};
    QTest::newRow("no last id") << 10 << QByteArray("/events?topic=a&topic=b")
                                << QList<QByteArray>{} << QByteArray() << QList<qint64>{};
}

void tst_HttpApi::replay()
{
    QFETCH(int, history);
    QFETCH(QByteArray, target);
    QFETCH(QList<QByteArray>, headers);
    QFETCH(QByteArray, replayHeader);
    QFETCH(QList<qint64>, replayed);

    startNode([history](NodeConfig &config) { config.broadcast.historySize = history; });
    for (int i = 1; i <= 6; ++i) {
        const QByteArray topic = i % 2 ? "a" : "b";
        QCOMPARE(publish(R"({"topic":")" + topic + R"(","data":"x"})"), qint64(i));
    }

    auto client = subscribe(target, headers);
    QVERIFY(client);
    QCOMPARE(client->status(), 200);
    QCOMPARE(client->header("herald-replay"), replayHeader);

    // Replayed events first, then live ones with nothing lost or repeated at the seam.
    QCOMPARE(publish(R"({"topic":"a","data":"live"})"), 7);
    QList<qint64> expected = replayed;
    expected.append(7);
    QTRY_COMPARE(client->ids(), expected);
}

void tst_HttpApi::replaySeamUnderLoad()
{
    // Clients resume while events keep coming; each must see every event after its
    // Last-Event-ID exactly once, in order, whichever side of the seam it fell on.
    Broadcaster *broadcaster = m_node->broadcaster();
    std::vector<std::unique_ptr<RawHttpClient>> clients;
    std::vector<qint64> resumedFrom;
    const int total = 400;
    for (int i = 1; i <= total; ++i) {
        EventDraft draft;
        draft.data = QByteArray::number(i);
        broadcaster->publishLocal({draft});
        if (i % 40 == 0) {
            auto client = std::make_unique<RawHttpClient>(port());
            QVERIFY(client->connectToServer());
            client->get("/events", {"Last-Event-ID: " + QByteArray::number(i - 25)});
            resumedFrom.push_back(i - 25);
            clients.push_back(std::move(client));
        }
        if (i % 10 == 0)
            QCoreApplication::processEvents(); // let requests in between publishes
    }
    QTRY_COMPARE(broadcaster->clientCount(), int(clients.size()));
    for (int i = total + 1; i <= total + 20; ++i) {
        EventDraft draft;
        broadcaster->publishLocal({draft});
    }

    for (size_t c = 0; c < clients.size(); ++c) {
        QList<qint64> expected;
        for (qint64 id = resumedFrom[c] + 1; id <= total + 20; ++id)
            expected.append(id);
        QTRY_COMPARE(clients[c]->ids(), expected);
        QCOMPARE(clients[c]->header("herald-replay"), QByteArray("full"));
    }
}

void tst_HttpApi::heartbeat()
{
    startNode([](NodeConfig &config) { config.broadcast.heartbeatMs = 100; });
    auto client = subscribe("/events");
    QVERIFY(client);
    QVERIFY(client->waitForBodyContaining(": heartbeat\n\n", 3000));
    const qsizetype first = client->body().count(": heartbeat");
    QTRY_VERIFY(client->body().count(": heartbeat") > first);
    QVERIFY(client->frames().isEmpty()); // heartbeats are comments, never events
}

void tst_HttpApi::kickFlushesAndCloses()
{
    auto client = subscribe("/events");
    auto other = subscribe("/events");
    QVERIFY(client && other);
    const quint64 id = client->header("herald-client-id").toULongLong();
    QVERIFY(id > 0);

    // Stalled first, so that the events are still queued in Herald when the kick comes.
    QVERIFY(m_node->broadcaster()->applyFault(id, StreamFault{StreamFault::Kind::Stall, 0}));
    for (int i = 0; i < 50; ++i)
        m_node->broadcaster()->publishLocal(
            {EventDraft{QStringLiteral("default"), "message", "payload", {}}});
    const SessionPtr session = m_node->broadcaster()->session(id);
    QVERIFY(session);
    QTRY_VERIFY(session->queuedBytes() > 50 * qint64(sizeof "data: payload"));
    QVERIFY(client->ids().isEmpty());

    QSignalSpy gone(m_node->broadcaster(), &Broadcaster::clientDisconnected);
    const HttpResult kick = httpRequest(port(), "DELETE", "/clients/" + QByteArray::number(id));
    QCOMPARE(kick.status, 200);

    // Everything queued before the kick arrives, then a clean end of stream.
    QVERIFY(client->waitForDisconnect());
    QCOMPARE(client->ids().size(), 50);
    QCOMPARE(client->socket().error(), QAbstractSocket::RemoteHostClosedError);
    QTRY_COMPARE(gone.size(), 1);
    QCOMPARE(gone.first().first().toULongLong(), id);

    // The other client stays.
    QVERIFY(other->isConnected());
    QCOMPARE(m_node->broadcaster()->clientCount(), 1);

    // Kicking again: the client is unknown now.
    QCOMPARE(httpRequest(port(), "DELETE", "/clients/" + QByteArray::number(id)).status, 404);
}

void tst_HttpApi::kickReset()
{
    // A raw socket tells FIN (read returns 0) from RST (ECONNRESET).
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QSignalSpy connected(m_node->broadcaster(), &Broadcaster::clientConnected);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    const QByteArray request = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(::write(fd, request.constData(), size_t(request.size())), ssize_t(request.size()));
    QVERIFY(connected.wait());
    const quint64 id = connected.first().first().toULongLong();

    QCOMPARE(
        httpRequest(port(), "DELETE", "/clients/" + QByteArray::number(id) + "?mode=reset").status,
        200);
    QTRY_COMPARE(m_node->broadcaster()->clientCount(), 0);

    char buffer[8192];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) { }
    QCOMPARE(n, ssize_t(-1));
    QCOMPARE(errno, ECONNRESET);
    ::close(fd);

    QCOMPARE(httpRequest(port(), "DELETE", "/clients/1?mode=bogus").status, 400);
}

void tst_HttpApi::clientRemovedOnDisconnect()
{
    auto client = subscribe("/events");
    QVERIFY(client);
    QCOMPARE(m_node->broadcaster()->clientCount(), 1);
    QSignalSpy gone(m_node->broadcaster(), &Broadcaster::clientDisconnected);
    client->socket().disconnectFromHost();
    QVERIFY(gone.wait());
    QCOMPARE(m_node->broadcaster()->clientCount(), 0);
    const HttpResult clients = httpRequest(port(), "GET", "/clients");
    QCOMPARE(QJsonDocument::fromJson(clients.body).array().size(), 0);
}

void tst_HttpApi::stalledReaderIsCutLoose()
{
    startNode([](NodeConfig &config) { config.broadcast.maxQueuedBytes = 256 * 1024; });

    // The stalled reader: a raw socket with a small receive buffer that never reads.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QSignalSpy connected(m_node->broadcaster(), &Broadcaster::clientConnected);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    const QByteArray request = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
    QCOMPARE(::write(fd, request.constData(), size_t(request.size())), ssize_t(request.size()));
    QVERIFY(connected.wait());

    auto healthy = subscribe("/events");
    QVERIFY(healthy);
    QSignalSpy gone(m_node->broadcaster(), &Broadcaster::clientDisconnected);

    // 400 events of 8 KiB: about 3 MiB, far past the stalled reader's 256 KiB allowance. The
    // healthy reader is let to keep up between batches, as a reader that keeps up does.
    const QByteArray payload(8192, 'x');
    for (int i = 1; i <= 400; ++i) {
        m_node->broadcaster()->publishLocal(
            {EventDraft{QStringLiteral("default"), "message", payload, {}}});
        if (i % 10 == 0)
            QTRY_COMPARE_WITH_TIMEOUT(healthy->ids().size(), i, 10000);
    }

    QTRY_VERIFY_WITH_TIMEOUT(!gone.isEmpty(), 10000);
    QCOMPARE(gone.size(), 1);
    QVERIFY(gone.first().at(1).toString().contains(QLatin1String("slow reader")));
    QCOMPARE(m_node->broadcaster()->metrics().drops, quint64(1));

    // The reader that keeps up got every event.
    QTRY_COMPARE_WITH_TIMEOUT(healthy->ids().size(), 400, 10000);
    QCOMPARE(healthy->ids().last(), qint64(400));
    QVERIFY(healthy->isConnected());
    ::close(fd);
}

void tst_HttpApi::errors_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QList<QByteArray>>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorPart");

    const QList<QByteArray> json = {"Content-Type: application/json"};
    QTest::newRow("malformed json")
        << QByteArray("POST") << QByteArray("/publish") << json << QByteArray("{nope") << 400
        << QStringLiteral("malformed JSON");
    QTest::newRow("missing data") << QByteArray("POST") << QByteArray("/publish") << json
                                  << QByteArray("{}") << 400 << QStringLiteral("data");
    QTest::newRow("bad topic on publish")
        << QByteArray("POST") << QByteArray("/publish") << json
        << QByteArray(R"({"data":"x","topic":"no spaces"})") << 400 << QStringLiteral("topic");
    QTest::newRow("bad topic on stream")
        << QByteArray("GET") << QByteArray("/events?topic=a%20b") << QList<QByteArray>{}
        << QByteArray() << 400 << QStringLiteral("topic");
    QTest::newRow("lf in event type")
        << QByteArray("POST") << QByteArray("/publish") << json
        << QByteArray(R"({"data":"x","event":"a\nb"})") << 400 << QStringLiteral("CR or LF");
    QTest::newRow("unsupported type") << QByteArray("POST") << QByteArray("/publish")
                                      << QList<QByteArray>{"Content-Type: text/plain"}
                                      << QByteArray("hi") << 415 << QStringLiteral("Content-Type");
    QTest::newRow("unknown path") << QByteArray("GET") << QByteArray("/nope") << QList<QByteArray>{}
                                  << QByteArray() << 404 << QStringLiteral("no such path");
    QTest::newRow("unknown client")
        << QByteArray("GET") << QByteArray("/clients/999") << QList<QByteArray>{} << QByteArray()
        << 404 << QStringLiteral("no client");
    QTest::newRow("wrong method on publish")
        << QByteArray("GET") << QByteArray("/publish") << QList<QByteArray>{} << QByteArray() << 405
        << QStringLiteral("POST");
    QTest::newRow("wrong method on events") << QByteArray("POST") << QByteArray("/events") << json
                                            << QByteArray("{}") << 405 << QStringLiteral("GET");
    QTest::newRow("wrong method on metrics")
        << QByteArray("DELETE") << QByteArray("/metrics") << QList<QByteArray>{} << QByteArray()
        << 405 << QStringLiteral("GET");
    QTest::newRow("known method named")
        << QByteArray("PUT") << QByteArray("/publish") << QList<QByteArray>{} << QByteArray() << 405
        << QStringLiteral("PUT is not allowed here; use POST");
    QTest::newRow("made-up method")
        << QByteArray("FETCH") << QByteArray("/clients") << QList<QByteArray>{} << QByteArray()
        << 405 << QStringLiteral("this method is not allowed here; use GET");
    QTest::newRow("scalar JSON body")
        << QByteArray("POST") << QByteArray("/publish") << json << QByteArray(R"("hello")") << 400
        << QStringLiteral("must be a JSON object or an array");
    QTest::newRow("malformed fault")
        << QByteArray("POST") << QByteArray("/faults") << json << QByteArray("{") << 400
        << QStringLiteral("malformed JSON at offset");
}

void tst_HttpApi::errors()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, target);
    QFETCH(QList<QByteArray>, headers);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, errorPart);

    const HttpResult result = httpRequest(port(), method, target, headers, body);
    QCOMPARE(result.status, status);
    QCOMPARE(result.headers.value("content-type"), QByteArray("application/json"));
    const QString error
        = QJsonDocument::fromJson(result.body).object().value(QLatin1String("error")).toString();
    QVERIFY2(error.contains(errorPart), qPrintable(error));
    if (status == 405)
        QVERIFY(!result.headers.value("allow").isEmpty());

    // The server survives and keeps serving.
    QCOMPARE(httpRequest(port(), "GET", "/healthz").status, 200);
}

void tst_HttpApi::rejectedPublishReachesNoOne()
{
    auto client = subscribe("/events");
    QVERIFY(client);
    QCOMPARE(publishJson(port(), R"([{"data":"ok"},{"event":"bad\r\n"}])").status, 400);
    QCOMPARE(publishJson(port(), R"({"data":"secret","topic":"bad topic"})").status, 400);
    QCOMPARE(publish(R"({"data":"after"})"), 1); // ids were not used up by the rejects
    QTRY_COMPARE(client->ids(), QList<qint64>{1});
    QVERIFY(!client->body().contains("secret"));
    QVERIFY(!client->body().contains("data: ok"));
}

void tst_HttpApi::token()
{
    startNode([](NodeConfig &config) { config.http.publishToken = "s3cret"; });
    const QByteArray body = R"({"data":"x"})";

    HttpResult result = publishJson(port(), body);
    QCOMPARE(result.status, 401);
    QCOMPARE(result.headers.value("www-authenticate"), QByteArray("Bearer"));
    QCOMPARE(publishJson(port(), body, {"Authorization: Bearer wrong"}).status, 401);
    QCOMPARE(publishJson(port(), body, {"Authorization: Bearer s3cret2"}).status, 401);
    QCOMPARE(publishJson(port(), body, {"Authorization: Basic s3cret"}).status, 401);
    QCOMPARE(publishJson(port(), body, {"Authorization: Bearer"}).status, 401);
    QCOMPARE(publishJson(port(), body, {"Authorization: Bearer S3CRET"}).status, 401);
    QCOMPARE(publishJson(port(), body, {"Authorization: Bearer s3cret"}).status, 202);
    // The scheme's name is case-insensitive; the token is not.
    QCOMPARE(publishJson(port(), body, {"Authorization: bearer s3cret"}).status, 202);
    QCOMPARE(publishJson(port(), body, {"Authorization: BEARER  s3cret"}).status, 202);

    QCOMPARE(httpRequest(port(), "DELETE", "/clients/1").status, 401);
    QCOMPARE(httpRequest(port(), "DELETE", "/clients/1", {"Authorization: Bearer s3cret"}).status,
             404);
    // Reading stays open.
    QCOMPARE(httpRequest(port(), "GET", "/clients").status, 200);
}

void tst_HttpApi::expectContinue_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("answer");

    QTest::newRow("large json") << QByteArray("application/json")
                                << QByteArray(R"({"data":")" + QByteArray(4000, 'z') + R"("})")
                                << QByteArray("HTTP/1.1 202");
    // Shorter than the blank line that ends the head: the interim answer is still due.
    QTest::newRow("three-byte form") << QByteArray("application/x-www-form-urlencoded")
                                     << QByteArray("a=b") << QByteArray("HTTP/1.1 400");
}

void tst_HttpApi::expectContinue()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, answer);

    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    client.send("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: " + contentType
                + "\r\nExpect: 100-continue\r\nContent-Length: " + QByteArray::number(body.size())
                + "\r\n\r\n");
    // The interim answer comes before we send a single body byte.
    QVERIFY(client.waitForHead(2000));
    QCOMPARE(client.status(), 100);
    client.send(body);
    QVERIFY(client.waitForBodyContaining(answer));
}

void tst_HttpApi::oversizedBodyRefusedEarly()
{
    startNode([](NodeConfig &config) { config.http.limits.maxBodyBytes = 1000; });

    // Announced too large with Expect: refused before the body is sent.
    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    client.send("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Expect: 100-continue\r\nContent-Length: 5000\r\n\r\n");
    QVERIFY(client.waitForHead());
    QCOMPARE(client.status(), 413);
    QVERIFY(client.waitForBodyContaining("larger than 1000"));
    // A browser may read why: the refusal carries the CORS header like every other answer.
    QCOMPARE(client.header("access-control-allow-origin"), QByteArray("*"));

    // Sent in full anyway: the same answer, and the server goes on.
    const HttpResult result = publishJson(port(), R"({"data":")" + QByteArray(3000, 'y') + R"("})");
    QCOMPARE(result.status, 413);
    QVERIFY(QJsonDocument::fromJson(result.body).object().contains(QLatin1String("error")));
    QCOMPARE(publish(R"({"data":"small"})"), 1);
}

void tst_HttpApi::headRequests()
{
    const HttpResult get = httpRequest(port(), "GET", "/healthz");
    const HttpResult head = httpRequest(port(), "HEAD", "/healthz");
    QCOMPARE(head.status, 200);
    QVERIFY(head.body.isEmpty());
    QVERIFY(head.headers.value("content-length").toInt() > 0);

    const HttpResult events = httpRequest(port(), "HEAD", "/events");
    QCOMPARE(events.status, 200);
    QCOMPARE(events.headers.value("content-type"), QByteArray("text/event-stream"));
    QVERIFY(events.body.isEmpty());
    QCOMPARE(m_node->broadcaster()->clientCount(), 0);
    QCOMPARE(get.status, 200);

    const HttpResult options
        = httpRequest(port(), "OPTIONS", "/publish",
                      {"Origin: http://example.test", "Access-Control-Request-Method: POST"});
    QCOMPARE(options.status, 204);
    QCOMPARE(options.headers.value("access-control-allow-origin"), QByteArray("*"));
    QVERIFY(options.headers.value("access-control-allow-methods").contains("POST"));
    QVERIFY(options.headers.value("access-control-allow-headers").contains("Authorization"));
}

void tst_HttpApi::pipelinedBytesNeverEnterTheStream()
{
    RawHttpClient client(port());
    QSignalSpy connected(m_node->broadcaster(), &Broadcaster::clientConnected);
    QVERIFY(client.connectToServer());
    // A second request right behind the stream request, in the same write.
    client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY(client.waitForHead());
    QTRY_VERIFY(!connected.isEmpty());
    // And garbage later on.
    client.send("DELETE /clients/1 HTTP/1.1\r\nHost: x\r\n\r\n\x01\x02 garbage\r\n\r\n");
    QCOMPARE(publish(R"({"data":"still streaming"})"), 1);
    QVERIFY(client.waitForBodyContaining("data: still streaming\n\n"));
    QVERIFY(!client.body().contains("HTTP/1.1"));
    QVERIFY(client.isConnected());
    QCOMPARE(m_node->broadcaster()->clientCount(), 1);
}

void tst_HttpApi::pipelinedRequestSplitAcrossReads()
{
    // A publish and, in the same write, the start of the next request; the rest of that one
    // comes later. Both are answered, and the second is not mistaken for a malformed request.
    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    const QByteArray body = R"({"data":"first"})";
    client.send("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: "
                + QByteArray::number(body.size()) + "\r\n\r\n" + body + "GET /hea");
    QVERIFY(client.waitForHead());
    QCOMPARE(client.status(), 202);
    QVERIFY(client.waitForBodyContaining("{\"id\":\"1\"}"));
    client.send("lthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY(client.waitForBodyContaining("HTTP/1.1 200"));
    QVERIFY(client.waitForBodyContaining("\"status\""));
    QVERIFY2(!client.body().contains("400"), client.body().constData());
}

void tst_HttpApi::batchPublish()
{
    auto client = subscribe("/events?topic=x&topic=default");
    QVERIFY(client);
    const HttpResult result
        = publishJson(port(), R"([{"data":"a"},{"data":"b","topic":"x"},{"data":"c"}])");
    QCOMPARE(result.status, 202);
    const QJsonArray ids
        = QJsonDocument::fromJson(result.body).object().value(QLatin1String("ids")).toArray();
    QCOMPARE(ids, (QJsonArray{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("3")}));
    QTRY_COMPARE(client->ids(), (QList<qint64>{1, 2, 3}));
}

void tst_HttpApi::formPublish()
{
    auto client = subscribe("/events?topic=news");
    QVERIFY(client);
    const HttpResult result = httpRequest(port(), "POST", "/publish",
                                          {"Content-Type: application/x-www-form-urlencoded"},
                                          "topic=news&event=headline&data=hello+world");
    QCOMPARE(result.status, 202);
    QVERIFY(client->waitForBodyContaining("id: 1\nevent: headline\ndata: hello world\n\n"));
}

void tst_HttpApi::clientsAndMetrics()
{
    auto client
        = subscribe("/events?topic=t1", {"User-Agent: herald-test/1.0", "Last-Event-ID: 0"});
    QVERIFY(client);
    m_node->broadcaster()->publishLocal({EventDraft{QStringLiteral("t1"), "message", "abc", {}}});
    QTRY_COMPARE(client->ids().size(), 1);

    // Counters reach the JSON once the worker has written the frame.
    QJsonObject entry;
    QTRY_VERIFY([&] {
        const QJsonArray list
            = QJsonDocument::fromJson(httpRequest(port(), "GET", "/clients").body).array();
        if (list.size() != 1)
            return false;
        entry = list.first().toObject();
        return entry.value(QLatin1String("eventsSent")).toInt() == 1;
    }());
    QCOMPARE(entry.value(QLatin1String("userAgent")).toString(), QStringLiteral("herald-test/1.0"));
    QCOMPARE(entry.value(QLatin1String("topics")).toArray(), QJsonArray{QStringLiteral("t1")});
    QCOMPARE(entry.value(QLatin1String("lastEventId")).toString(), QStringLiteral("0"));
    QCOMPARE(entry.value(QLatin1String("node")).toString(), QStringLiteral("test-node"));
    QVERIFY(
        entry.value(QLatin1String("remote")).toString().startsWith(QLatin1String("127.0.0.1:")));
    QVERIFY(entry.value(QLatin1String("bytesSent")).toInt() > 0);
    QCOMPARE(entry.value(QLatin1String("queuedBytes")).toInt(), 0);
    QVERIFY(!entry.value(QLatin1String("connectedAt")).toString().isEmpty());

    const HttpResult metrics = httpRequest(port(), "GET", "/metrics");
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.headers.value("content-type").startsWith("text/plain"));
    QVERIFY(metrics.body.contains("\nherald_clients 1\n"));
    QVERIFY(metrics.body.contains("\nherald_events_published_total 1\n"));
    QVERIFY(metrics.body.contains("\nherald_deliveries_total 1\n"));
    QVERIFY(metrics.body.contains("herald_replays_total{outcome=\"full\"} 1\n"));
    QVERIFY(metrics.body.contains("# TYPE herald_bytes_sent_total counter"));

    const QJsonObject health
        = QJsonDocument::fromJson(httpRequest(port(), "GET", "/healthz").body).object();
    QCOMPARE(health.value(QLatin1String("status")).toString(), QStringLiteral("ok"));
    QCOMPARE(health.value(QLatin1String("clients")).toInt(), 1);
    QCOMPARE(health.value(QLatin1String("lastEventId")).toString(), QStringLiteral("1"));
}

void tst_HttpApi::maxClients()
{
    startNode([](NodeConfig &config) { config.http.maxClients = 2; });
    auto a = subscribe("/events");
    auto b = subscribe("/events");
    QVERIFY(a && b);
    const HttpResult third = httpRequest(port(), "GET", "/events");
    QCOMPARE(third.status, 503);
    QVERIFY(third.headers.contains("retry-after"));
    QVERIFY(QJsonDocument::fromJson(third.body)
                .object()
                .value(QLatin1String("error"))
                .toString()
                .contains(QLatin1String("limit")));

    // A place frees up: the next one gets in.
    QSignalSpy gone(m_node->broadcaster(), &Broadcaster::clientDisconnected);
    a->socket().disconnectFromHost();
    QVERIFY(gone.wait());
    auto c = subscribe("/events");
    QVERIFY(c);
    QCOMPARE(c->status(), 200);
}

void tst_HttpApi::demoPage()
{
    const HttpResult page = httpRequest(port(), "GET", "/");
    QCOMPARE(page.status, 200);
    QVERIFY(page.headers.value("content-type").startsWith("text/html"));
    QVERIFY(page.body.contains("new EventSource("));
}

void tst_HttpApi::faultsApi()
{
    auto client = subscribe("/events");
    QVERIFY(client);
    const QByteArray id = client->header("herald-client-id");
    const QList<QByteArray> json = {"Content-Type: application/json"};

    // Retry-then-close on one client: the new retry value, then a clean end.
    HttpResult applied
        = httpRequest(port(), "POST", "/faults", json,
                      R"({"fault":"retry-then-close","retry":250,"clients":[")" + id + R"("]})");
    QCOMPARE(applied.status, 200);
    QVERIFY(client->waitForDisconnect());
    QVERIFY(client->body().endsWith("retry: 250\n\n"));

    // Refuse the next two stream requests: 503 with Retry-After, then 204, then normal again.
    QCOMPARE(httpRequest(port(), "POST", "/faults", json,
                         R"({"fault":"refuse","count":1,"retryAfter":9})")
                 .status,
             200);
    HttpResult refused = httpRequest(port(), "GET", "/events");
    QCOMPARE(refused.status, 503);
    QCOMPARE(refused.headers.value("retry-after"), QByteArray("9"));
    QCOMPARE(
        httpRequest(port(), "POST", "/faults", json, R"({"fault":"refuse","status":204})").status,
        200);
    QCOMPARE(httpRequest(port(), "GET", "/events").status, 204);
    auto after = subscribe("/events");
    QVERIFY(after);
    QCOMPARE(after->status(), 200);

    // Bad faults are refused with a reason; a fault on an unknown client is a 404.
    QCOMPARE(httpRequest(port(), "POST", "/faults", json, R"({"fault":"nope"})").status, 400);
    QCOMPARE(httpRequest(port(), "POST", "/faults", {"Content-Type: text/plain"}, "stall").status,
             415);
    QCOMPARE(httpRequest(port(), "POST", "/faults", json, R"({"fault":"stall","clients":["999"]})")
                 .status,
             404);
    QCOMPARE(httpRequest(port(), "POST", "/faults", json, R"({"fault":"pause-relay"})").status,
             409);

    // The log has every applied fault, in order, with timestamps.
    const QJsonArray log
        = QJsonDocument::fromJson(httpRequest(port(), "GET", "/faults").body).array();
    QCOMPARE(log.size(), 3);
    QCOMPARE(log.at(0).toObject().value(QLatin1String("fault")).toString(),
             QStringLiteral("retry-then-close"));
    QCOMPARE(log.at(1).toObject().value(QLatin1String("fault")).toString(),
             QStringLiteral("refuse"));
    QVERIFY(log.at(0).toObject().value(QLatin1String("atMs")).toDouble()
            <= log.at(2).toObject().value(QLatin1String("atMs")).toDouble());
    QVERIFY(!log.at(2).toObject().value(QLatin1String("at")).toString().isEmpty());
}

void tst_HttpApi::curlReceivesEvents()
{
    const QString curl = QStandardPaths::findExecutable(QStringLiteral("curl"));
    QVERIFY2(!curl.isEmpty(), "curl is needed for this test (the test command installs it)");

    QProcess process;
    QSignalSpy connected(m_node->broadcaster(), &Broadcaster::clientConnected);
    process.start(curl,
                  {QStringLiteral("-sS"), QStringLiteral("-N"),
                   QStringLiteral("http://127.0.0.1:%1/events?topic=curl").arg(port())});
    QVERIFY(connected.wait());

    // Publish with curl as well, asking for 100-continue and willing to wait for it far longer
    // than this test does: the publish only completes in time if Herald answers it.
    QProcess publisher;
    const QByteArray big(1500, 'q');
    publisher.start(
        curl,
        {QStringLiteral("-sS"), QStringLiteral("-H"),
         QStringLiteral("Content-Type: application/json"), QStringLiteral("-H"),
         QStringLiteral("Expect: 100-continue"), QStringLiteral("--expect100-timeout"),
         QStringLiteral("60"), QStringLiteral("--data-binary"),
         QStringLiteral(R"({"topic":"curl","data":"%1"})").arg(QString::fromLatin1(big)),
         QStringLiteral("http://127.0.0.1:%1/publish").arg(port())});
    // The server runs on this thread: wait by spinning the event loop, never by blocking it.
    QSignalSpy finished(&publisher, &QProcess::finished);
    QVERIFY(finished.wait(10000));
    QCOMPARE(publisher.exitCode(), 0);
    QCOMPARE(publisher.readAllStandardOutput(), QByteArray("{\"id\":\"1\"}"));

    QByteArray received;
    QTRY_VERIFY((received += process.readAllStandardOutput()).contains("data: " + big + "\n\n"));
    QVERIFY(received.startsWith("retry: 3000\n"));
    QVERIFY(received.contains("id: 1\n"));
    process.kill();
    process.waitForFinished();
}

QTEST_GUILESS_MAIN(tst_HttpApi)
#include "tst_httpapi.moc"
