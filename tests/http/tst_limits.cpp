// Each limit answers with its status, and the server goes on serving everyone else.

#include "node/node.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Herald;
using namespace Herald::Test;

class tst_Limits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    void clientsPerAddress();
    void headerTooLarge();
    void slowSenderIsDropped();
    void idleConnectionIsClosed();
    void requestsPerConnection();
    void nonLoopbackBindGuardsAdminCalls();
    void malformedFraming_data();
    void malformedFraming();
    void chunkedBodyThenPipelinedRequest();

private:
    void start(const std::function<void(NodeConfig &)> &configure);
    void verifyStillServing();
    quint16 port() const { return m_node->port(); }

    std::unique_ptr<Node> m_node;
};

void tst_Limits::cleanup()
{
    m_node.reset();
}

void tst_Limits::start(const std::function<void(NodeConfig &)> &configure)
{
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    configure(config);
    m_node = std::make_unique<Node>(config);
    QString error;
    QVERIFY2(m_node->start(&error), qPrintable(error));
}

void tst_Limits::verifyStillServing()
{
    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    client.get("/events?topic=after");
    QVERIFY(client.waitForHead());
    QCOMPARE(client.status(), 200);
    QTRY_VERIFY(m_node->broadcaster()->clientCount() >= 1);
    QCOMPARE(publishJson(port(), R"({"topic":"after","data":"still here"})").status, 202);
    QVERIFY(client.waitForBodyContaining("data: still here\n\n"));
}

void tst_Limits::clientsPerAddress()
{
    start([](NodeConfig &config) { config.http.maxClientsPerAddress = 2; });
    RawHttpClient a(port()), b(port()), c(port());
    for (RawHttpClient *client : {&a, &b}) {
        QVERIFY(client->connectToServer());
        client->get("/events");
        QVERIFY(client->waitForHead());
        QCOMPARE(client->status(), 200);
    }
    QVERIFY(c.connectToServer());
    c.get("/events");
    QVERIFY(c.waitForHead());
    QCOMPARE(c.status(), 429);
    QVERIFY(c.header("retry-after").toInt() > 0);

    // When one leaves, a place frees up for that address.
    QSignalSpy gone(m_node->broadcaster(), &Broadcaster::clientDisconnected);
    a.socket().disconnectFromHost();
    QVERIFY(gone.wait());
    RawHttpClient d(port());
    QVERIFY(d.connectToServer());
    d.get("/events");
    QVERIFY(d.waitForHead());
    QCOMPARE(d.status(), 200);
}

void tst_Limits::headerTooLarge()
{
    start([](NodeConfig &config) { config.http.limits.maxHeaderBytes = 4096; });
    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + QByteArray(8000, 'a')
                + "\r\n\r\n");
    QVERIFY(client.waitForHead());
    QCOMPARE(client.status(), 431);
    QVERIFY(client.waitForDisconnect());
    verifyStillServing();
}

void tst_Limits::slowSenderIsDropped()
{
    start([](NodeConfig &config) { config.http.limits.requestTimeoutMs = 300; });
    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    client.send("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Content-Length: 100\r\n\r\n{\"data\":");
    QVERIFY(client.waitForHead(3000));
    QCOMPARE(client.status(), 408);
    QVERIFY(client.waitForDisconnect(3000));
    QCOMPARE(m_node->broadcaster()->metrics().eventsPublished, quint64(0));
    verifyStillServing();
}

void tst_Limits::idleConnectionIsClosed()
{
    start([](NodeConfig &config) { config.http.limits.idleTimeoutMs = 300; });
    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY(client.waitForHead());
    QCOMPARE(client.status(), 200);
    // Kept alive after the answer, then closed once idle for longer than the limit.
    QVERIFY(client.isConnected());
    QVERIFY(client.waitForDisconnect(3000));

    // A connection that never sends anything is closed too (the request timeout).
    RawHttpClient silent(port());
    QVERIFY(silent.connectToServer());
    QVERIFY(silent.waitForDisconnect(15000));
}

void tst_Limits::requestsPerConnection()
{
    start([](NodeConfig &config) { config.http.limits.maxRequestsPerConnection = 3; });
    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    for (int i = 0; i < 3; ++i)
        client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY(client.waitForDisconnect());
    // The third answer said so and the connection closed after it.
    const QByteArray all = "HTTP" + client.body();
    QCOMPARE(client.status(), 200);
    QCOMPARE(all.count("HTTP/1.1 200"), 2); // the first head was parsed off, two remain
    QCOMPARE(all.count("Connection: close"), 1);
}

void tst_Limits::nonLoopbackBindGuardsAdminCalls()
{
    // Bound to every address without a token: admin calls from this machine still work, and
    // the node knows to refuse them from elsewhere.
    start([](NodeConfig &config) { config.bindAddress = QHostAddress::AnyIPv4; });
    QVERIFY(m_node->http()->config().loopbackOnlyAdmin);
    QCOMPARE(publishJson(port(), R"({"data":"from loopback"})").status, 202);

    // With a token, the token decides wherever the caller is.
    start([](NodeConfig &config) {
        config.bindAddress = QHostAddress::AnyIPv4;
        config.http.publishToken = "t0k3n";
    });
    QVERIFY(!m_node->http()->config().loopbackOnlyAdmin);
    QCOMPARE(publishJson(port(), R"({"data":"x"})").status, 401);
    QCOMPARE(publishJson(port(), R"({"data":"x"})", {"Authorization: Bearer t0k3n"}).status, 202);
}

void tst_Limits::malformedFraming_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<int>("status");

    QTest::newRow("conflicting lengths")
        << QByteArray("POST /publish HTTP/1.1\r\nHost: x\r\n"
                      "Content-Type: application/json\r\n"
                      "Content-Length: 5\r\nContent-Length: 7\r\n\r\n"
                      "{}{}{}{")
        << 400;
    QTest::newRow("length and chunked") << QByteArray("POST /publish HTTP/1.1\r\nHost: x\r\n"
                                                      "Transfer-Encoding: chunked\r\n"
                                                      "Content-Length: 3\r\n\r\n0\r\n\r\n")
                                        << 400;
    // A chunk size that is not one must not let the bytes after it pass as a request of
    // their own (a proxy in front would read the body differently): each is refused at once.
    const QByteArray chunkedHead = "POST /publish HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n";
    const QByteArray smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
    QTest::newRow("chunk size not hexadecimal")
        << QByteArray(chunkedHead + "zz\r\n\r\n" + smuggled) << 400;
    QTest::newRow("chunk size overflows")
        << QByteArray(chunkedHead + "FFFFFFFFFFFFFFFFFFFF\r\nabcde\r\n0\r\n\r\n" + smuggled) << 400;
    QTest::newRow("negative chunk size")
        << QByteArray(chunkedHead + "-5\r\nabcde\r\n0\r\n\r\n" + smuggled) << 400;
    // Announced 13 bytes, sent 12: the CR after them counts as data and a bare LF is left.
    QTest::newRow("chunk one byte short")
        << QByteArray(chunkedHead + "d\r\n{\"data\":\"x\"}\r\n0\r\n\r\n" + smuggled) << 400;
    // Refused: Qt 6.4's server would answer before reading them, then take them for a request.
    QTest::newRow("trailer fields")
        << QByteArray(chunkedHead + "c\r\n{\"data\":\"x\"}\r\n0\r\nX-Trailer: 1\r\n\r\n" + smuggled)
        << 400;
    QTest::newRow("chunk longer than its size")
        << QByteArray(chunkedHead + "2\r\n{}xx\r\n0\r\n\r\n" + smuggled) << 400;
    QTest::newRow("chunk size over the body limit")
        << QByteArray(chunkedHead + "7fffffff\r\n{}") << 413;
    QTest::newRow("unsupported transfer coding")
        << QByteArray("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: gzip\r\n\r\nxyz")
        << 501;
    QTest::newRow("garbage request line") << QByteArray("GARBAGE\r\n\r\n") << 400;
    QTest::newRow("unknown version")
        << QByteArray("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n") << 505;
}

void tst_Limits::malformedFraming()
{
    QFETCH(QByteArray, request);
    QFETCH(int, status);

    start([](NodeConfig &) {});
    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    client.send(request);
    QVERIFY(client.waitForHead());
    QCOMPARE(client.status(), status);
    QVERIFY(client.header("content-type").startsWith("application/json"));
    QVERIFY(client.waitForDisconnect());
    // One answer, the refusal: nothing sent after the bad part was taken for a request.
    const QRegularExpression statusLine(QStringLiteral("HTTP/1\\.[01] \\d{3} "));
    QVERIFY2(!statusLine.match(QString::fromLatin1(client.body())).hasMatch(),
             client.body().constData());
    QCOMPARE(m_node->broadcaster()->metrics().eventsPublished, quint64(0));
    verifyStillServing();
}

void tst_Limits::chunkedBodyThenPipelinedRequest()
{
    // A well-formed chunked publish, with a chunk extension, and the next request right behind
    // it in the same write: both are answered, in order.
    start([](NodeConfig &) {});
    RawHttpClient subscriber(port());
    QVERIFY(subscriber.connectToServer());
    subscriber.get("/events");
    QVERIFY(subscriber.waitForHead());

    RawHttpClient client(port());
    QVERIFY(client.connectToServer());
    client.send("POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
                "9;note=yes\r\n{\"data\":\"\r\n9\r\nchunked\"}\r\n0\r\n\r\n"
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    QVERIFY(client.waitForHead());
    QCOMPARE(client.status(), 202);
    QVERIFY(client.waitForBodyContaining("HTTP/1.1 200"));
    QVERIFY(client.waitForBodyContaining("\"status\""));
    QVERIFY(subscriber.waitForBodyContaining("data: chunked\n\n"));
}

QTEST_GUILESS_MAIN(tst_Limits)
#include "tst_limits.moc"
