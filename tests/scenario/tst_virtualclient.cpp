// The virtual client against the HTML standard's EventSource rules: a real Herald on a free
// loopback port where it can show them, a scripted fake server where a real Herald would never
// misbehave that way. Also the HTTP response reader it parses responses with.

#include "fakesseserver.h"
#include "faults/fault.h"
#include "node/node.h"
#include "scenario/httpresponsereader.h"
#include "scenario/virtualclient.h"
#include "testsupport.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTest>

#include <memory>

using namespace Herald;
using namespace Herald::Test;

class tst_VirtualClient : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cleanup();

    void responseReader_data();
    void responseReader();
    void responseReaderErrors_data();
    void responseReaderErrors();

    void requestHeaders();
    void retryHonoured();
    void lastEventIdSentAndReplayed();
    void nonOkStatusStops_data();
    void nonOkStatusStops();
    void contentType_data();
    void contentType();
    void networkErrorReconnects();
    void bomAndLineEndings_data();
    void bomAndLineEndings();
    void chunkedBody();
    void cutEventIsDropped();
    void resetIsRecognised();
    void neverSendsLastEventId();
    void ignoresRetry();
    void reconnectsImmediatelyAfterRefusal();
    void readsSlowly();

private:
    void startNode(int retryMs);
    std::unique_ptr<VirtualClient>
    client(const QUrl &url, VirtualClient::Behaviour behaviour = VirtualClient::Behaviour::Good,
           int ownDelayMs = 0, qint64 bytesPerSecond = 1024);
    void fault(const QJsonObject &object);
    void publish(int count, int padBytes = 0);
    QUrl streamUrl() const;

    std::unique_ptr<Node> m_node;
};

void tst_VirtualClient::cleanup()
{
    m_node.reset();
}

void tst_VirtualClient::startNode(int retryMs)
{
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    config.broadcast.retryMs = retryMs;
    config.broadcast.nodeId = QStringLiteral("test-node");
    m_node = std::make_unique<Node>(config);
    QString error;
    QVERIFY2(m_node->start(&error), qPrintable(error));
}

QUrl tst_VirtualClient::streamUrl() const
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1/events?topic=t").arg(m_node->port()));
}

std::unique_ptr<VirtualClient> tst_VirtualClient::client(const QUrl &url,
                                                         VirtualClient::Behaviour behaviour,
                                                         int ownDelayMs, qint64 bytesPerSecond)
{
    VirtualClient::Config config;
    config.url = url;
    config.name = QStringLiteral("c-1");
    config.group = QStringLiteral("c");
    config.topics = {QStringLiteral("t")};
    config.behaviour = behaviour;
    config.ownDelayMs = ownDelayMs;
    config.readBytesPerSecond = bytesPerSecond;
    config.maxAttempts = 200;
    auto result = std::make_unique<VirtualClient>(config);
    result->start();
    return result;
}

void tst_VirtualClient::fault(const QJsonObject &object)
{
    QString error;
    const std::optional<Fault> parsed = Fault::fromJson(object, &error);
    QVERIFY2(parsed, qPrintable(error));
    const FaultInjector::Result result = m_node->faults()->apply(*parsed);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
}

void tst_VirtualClient::publish(int count, int padBytes)
{
    for (int i = 0; i < count; ++i) {
        EventDraft draft;
        draft.topic = QStringLiteral("t");
        draft.data = "{\"seq\":" + QByteArray::number(i)
            + ",\"t\":" + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + ",\"pad\":\""
            + QByteArray(padBytes, 'p') + "\"}";
        m_node->broadcaster()->publishLocal({draft});
    }
}

// --- HttpResponseReader -------------------------------------------------------------------

void tst_VirtualClient::responseReader_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("complete");

    QTest::newRow("until close") << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream"
                                               "\r\n\r\ndata: a\n\n")
                                 << 200 << QByteArray("text/event-stream")
                                 << QByteArray("data: a\n\n") << false;
    QTest::newRow("content-length")
        << QByteArray("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 5\r\nRetry-After: 1\r\n"
                      "\r\nhello, and more")
        << 503 << QByteArray() << QByteArray("hello") << true;
    QTest::newRow("204 has no body")
        << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n") << 204 << QByteArray()
        << QByteArray() << true;
    QTest::newRow("chunked with extension and trailer")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: "
                      "text/event-stream; charset=utf-8\r\n\r\n5;x=y\r\ndata:\r\n3\r\n a\n\r\n0\r\n"
                      "Trailer: t\r\n\r\n")
        << 200 << QByteArray("text/event-stream; charset=utf-8") << QByteArray("data: a\n") << true;
    QTest::newRow("lone LF line ends") << QByteArray("HTTP/1.1 200 OK\nContent-Type: x/y\n\nbody")
                                       << 200 << QByteArray("x/y") << QByteArray("body") << false;
    QTest::newRow("interim 100 first")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        << 200 << QByteArray() << QByteArray("ok") << true;
    QTest::newRow("no reason phrase")
        << QByteArray("HTTP/1.1 200\r\n\r\nx") << 200 << QByteArray() << QByteArray("x") << false;
}

void tst_VirtualClient::responseReader()
{
    QFETCH(QByteArray, response);
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(bool, complete);

    // Whole, and split at every byte: the result must not depend on how bytes arrive.
    for (int piece : {int(response.size()), 1, 2, 3}) {
        HttpResponseReader reader;
        QByteArray decoded;
        for (qsizetype i = 0; i < response.size(); i += piece)
            decoded += reader.feed(QByteArrayView(response).sliced(
                i, std::min<qsizetype>(piece, response.size() - i)));
        QVERIFY2(reader.state() != HttpResponseReader::State::Error, qPrintable(reader.error()));
        QVERIFY(reader.headComplete());
        QCOMPARE(reader.status(), status);
        QCOMPARE(reader.header("Content-Type"), contentType);
        QCOMPARE(decoded, body);
        QCOMPARE(reader.bodyComplete(), complete);
    }
}

void tst_VirtualClient::responseReaderErrors_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<QString>("error");
    QTest::newRow("not http") << QByteArray("SSH-2.0-OpenSSH\r\n\r\n")
                              << QStringLiteral("status line");
    QTest::newRow("bad status") << QByteArray("HTTP/1.1 2x0 OK\r\n\r\n")
                                << QStringLiteral("status code");
    QTest::newRow("bad header") << QByteArray("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")
                                << QStringLiteral("header line");
    QTest::newRow("bad chunk size")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        << QStringLiteral("chunk size");
    QTest::newRow("chunk without CRLF")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n")
        << QStringLiteral("CRLF");
    QTest::newRow("gzip coding") << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")
                                 << QStringLiteral("transfer coding");
    QTest::newRow("huge head") << QByteArray("HTTP/1.1 200 OK\r\nX: " + QByteArray(70000, 'x'))
                               << QStringLiteral("larger than");
}

void tst_VirtualClient::responseReaderErrors()
{
    QFETCH(QByteArray, response);
    QFETCH(QString, error);
    HttpResponseReader reader;
    reader.feed(response);
    QCOMPARE(reader.state(), HttpResponseReader::State::Error);
    QVERIFY2(reader.error().contains(error), qPrintable(reader.error()));
}

// --- against a scripted server --------------------------------------------------------------

void tst_VirtualClient::requestHeaders()
{
    FakeSseServer server;
    QVERIFY(server.listen());
    server.setScript([](QTcpSocket *socket, int) {
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                      "retry: 100\nid: 41\ndata: x\n\n");
        socket->disconnectFromHost();
    });
    auto c = client(server.url(QStringLiteral("/events?topic=a&topic=b%2Fc")));
    QTRY_VERIFY(server.requests().size() >= 2);
    c->stop();

    const QByteArray first = server.requests().at(0);
    QVERIFY2(first.startsWith("GET /events?topic=a&topic=b%2Fc HTTP/1.1\r\n"), first.constData());
    QCOMPARE(FakeSseServer::header(first, "accept"), QByteArray("text/event-stream"));
    QCOMPARE(FakeSseServer::header(first, "cache-control"), QByteArray("no-cache"));
    QCOMPARE(FakeSseServer::header(first, "host"),
             "127.0.0.1:" + QByteArray::number(server.port()));
    // The last event ID string is empty at first: no header at all, not an empty one.
    QVERIFY(!first.toLower().contains("last-event-id"));
    QCOMPARE(FakeSseServer::header(server.requests().at(1), "last-event-id"), QByteArray("41"));
    QCOMPARE(c->log().events.front().id, QByteArray("41"));
}

void tst_VirtualClient::bomAndLineEndings_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("pieceSize");

    const QByteArray crlf
        = "\xEF\xBB\xBFretry: 150\r\n: comment\r\nid: 7\r\nevent: e\r\ndata: a\r\n"
          "data: b\r\n\r\nid: 8\r\ndata: partial";
    QTest::newRow("BOM and CRLF, whole") << crlf << 1000;
    QTest::newRow("BOM and CRLF, byte by byte") << crlf << 1;
    QTest::newRow("lone CR") << QByteArray(
        "retry: 150\rid: 7\revent: e\rdata: a\rdata: b\r\rdata: partial")
                             << 2;
    QTest::newRow("LF") << QByteArray(
        "\xEF\xBB\xBFretry: 150\nid: 7\nevent: e\ndata: a\ndata: b\n\nid: 8\n")
                        << 3;
}

void tst_VirtualClient::bomAndLineEndings()
{
    QFETCH(QByteArray, body);
    QFETCH(int, pieceSize);
    FakeSseServer server;
    QVERIFY(server.listen());
    server.setScript([body, pieceSize](QTcpSocket *socket, int connection) {
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n");
        FakeSseServer::writeInPieces(socket, connection == 1 ? body : QByteArray(), pieceSize,
                                     connection == 1);
    });
    auto c = client(server.url());
    QTRY_VERIFY(server.requests().size() >= 2);
    c->stop();

    const ClientLog &log = c->log();
    QCOMPARE(log.events.size(), size_t(1)); // the unfinished one is dropped at the end
    QCOMPARE(log.events.front().id, QByteArray("7"));
    QCOMPARE(log.events.front().type, QByteArray("e"));
    QCOMPARE(log.events.front().data, QByteArray("a\nb"));
    // The id of an event that never completed is not the last event ID.
    QCOMPARE(FakeSseServer::header(server.requests().at(1), "last-event-id"), QByteArray("7"));
    QCOMPARE(log.disconnects.front().retryMs, 150);
    const qint64 delay = server.requestTimes().at(1) - log.disconnects.front().atMs;
    QVERIFY2(delay >= 140, qPrintable(QString::number(delay)));
}

void tst_VirtualClient::contentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("opens");
    QTest::newRow("exact") << QByteArray("text/event-stream") << true;
    QTest::newRow("parameters and case") << QByteArray("Text/Event-Stream; charset=utf-8") << true;
    QTest::newRow("text/plain") << QByteArray("text/plain") << false;
    QTest::newRow("json") << QByteArray("application/json") << false;
    QTest::newRow("missing") << QByteArray() << false;
}

void tst_VirtualClient::contentType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(bool, opens);
    FakeSseServer server;
    QVERIFY(server.listen());
    server.setScript([contentType](QTcpSocket *socket, int) {
        QByteArray head = "HTTP/1.1 200 OK\r\n";
        if (!contentType.isEmpty())
            head += "Content-Type: " + contentType + "\r\n";
        socket->write(head + "\r\nretry: 50\nid: 1\ndata: x\n\n");
        socket->disconnectFromHost();
    });
    auto c = client(server.url());
    if (opens) {
        QTRY_VERIFY(c->log().attempts.size() >= 2);
        QCOMPARE(c->log().events.size() >= 1, true);
        QVERIFY(!c->hasFailed());
    } else {
        QTRY_VERIFY(c->hasFailed());
        QVERIFY2(c->log().failReason.contains(QLatin1String("Content-Type")),
                 qPrintable(c->log().failReason));
        QVERIFY(c->log().events.empty());
        QCOMPARE(c->log().attempts.size(), size_t(1));
        QCOMPARE(server.requests().size(), 1);
    }
    c->stop();
}

void tst_VirtualClient::chunkedBody()
{
    FakeSseServer server;
    QVERIFY(server.listen());
    server.setScript([](QTcpSocket *socket, int connection) {
        if (connection > 1) {
            socket->abort();
            return;
        }
        // One event split over chunks, then the last chunk: the body ends by its framing while
        // the connection stays open, which must count as the end of the stream.
        socket->write(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: "
            "chunked\r\n\r\n"
            "b\r\nretry: 100\n\r\n6\r\nid: 3\n\r\n8\r\ndata: ab\r\n2\r\n\n\n\r\n0\r\n\r\n");
    });
    auto c = client(server.url());
    QTRY_VERIFY(server.requests().size() >= 2);
    c->stop();
    QCOMPARE(c->log().events.size(), size_t(1));
    QCOMPARE(c->log().events.front().data, QByteArray("ab"));
    QCOMPARE(c->log().disconnects.front().reason, QStringLiteral("response body ended"));
    QCOMPARE(FakeSseServer::header(server.requests().at(1), "last-event-id"), QByteArray("3"));
}

void tst_VirtualClient::networkErrorReconnects()
{
    // The connection ends, again and again: each time EventSource tries again (it does not
    // fail the connection).
    FakeSseServer server;
    QVERIFY(server.listen());
    server.setScript([](QTcpSocket *socket, int) {
        socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nretry: 60\n\n");
        socket->disconnectFromHost();
    });
    auto c = client(server.url());
    QTRY_VERIFY(c->log().attempts.size() >= 3);
    c->stop();
    QVERIFY(!c->log().failed);
    QVERIFY(c->log().disconnects.size() >= 2);

    // Nothing listens there: a network error, and the same rule.
    const quint16 closedPort = freeLoopbackPort();
    auto d = client(QUrl(QStringLiteral("http://127.0.0.1:%1/events").arg(closedPort)));
    QTRY_VERIFY(d->log().attempts.size() >= 1 && !d->log().disconnects.empty());
    QCOMPARE(d->log().attempts.front().status, 0);
    QVERIFY(!d->log().disconnects.front().wasOpen);
    QCOMPARE(d->state(), VirtualClient::State::Waiting);
    // It waits the default reconnection time before trying again.
    QCOMPARE(d->log().disconnects.front().plannedDelayMs, VirtualClient::DefaultReconnectionTimeMs);
    d->stop();
}

// --- against a real Herald -------------------------------------------------------------------

void tst_VirtualClient::retryHonoured()
{
    startNode(300);
    auto c = client(streamUrl());
    QTRY_VERIFY(c->isOpen());
    fault({{"fault", "close"}});
    QTRY_COMPARE(c->log().opens(), 2);
    const ClientLog::Disconnect first = c->log().disconnects.at(0);
    QCOMPARE(first.retryMs, 300);
    const qint64 delay = c->log().attempts.at(1).atMs - first.atMs;
    QVERIFY2(delay >= 295 && delay < 300 + 1500, qPrintable(QString::number(delay)));

    // A new retry from the stream takes over for the next reconnection.
    fault({{"fault", "retry-then-close"}, {"retry", 700}});
    QTRY_COMPARE_WITH_TIMEOUT(c->log().opens(), 3, 5000);
    const ClientLog::Disconnect second = c->log().disconnects.at(1);
    QCOMPARE(second.retryMs, 700);
    const qint64 delay2 = c->log().attempts.at(2).atMs - second.atMs;
    QVERIFY2(delay2 >= 695 && delay2 < 700 + 1500, qPrintable(QString::number(delay2)));
    c->stop();
}

void tst_VirtualClient::lastEventIdSentAndReplayed()
{
    startNode(200);
    auto c = client(streamUrl());
    QTRY_VERIFY(c->isOpen());
    publish(3);
    QTRY_COMPARE(c->log().events.size(), size_t(3));
    fault({{"fault", "close"}});
    QTRY_COMPARE(c->log().disconnects.size(), size_t(1));
    publish(2); // while it is away
    QTRY_COMPARE(c->log().events.size(), size_t(5));
    c->stop();

    const ClientLog::Attempt &resume = c->log().attempts.at(1);
    QVERIFY(resume.sentLastEventId);
    QCOMPARE(resume.lastEventIdSent, QByteArray("3"));
    QCOMPARE(resume.replay, QByteArray("full"));
    QCOMPARE(resume.status, 200);
    QList<QByteArray> ids;
    for (const ClientLog::Event &event : c->log().events)
        ids.append(event.id);
    QCOMPARE(ids, (QList<QByteArray>{"1", "2", "3", "4", "5"}));
    // The server saw the header too.
    QVERIFY(c->log().events.at(3).connection == 2);
}

void tst_VirtualClient::nonOkStatusStops_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("204 No Content") << 204;
    QTest::newRow("503") << 503;
    QTest::newRow("500") << 500;
}

void tst_VirtualClient::nonOkStatusStops()
{
    QFETCH(int, status);
    startNode(150);
    auto c = client(streamUrl());
    QTRY_VERIFY(c->isOpen());
    fault({{"fault", "refuse"}, {"status", status}, {"count", 3}});
    fault({{"fault", "close"}});
    QTRY_VERIFY(c->hasFailed());
    QCOMPARE(c->log().attempts.back().status, status);
    QCOMPARE(c->log().attempts.size(), size_t(2));
    QVERIFY(c->log().failReason.contains(QString::number(status)));
    // Only one refusal was used: nothing came back after the failure. Watching for a few
    // reconnection times is the only way to see that nothing happens.
    QCOMPARE(m_node->faults()->pendingRefusals(), 2);
    QTest::qWait(4 * 150);
    QCOMPARE(c->log().attempts.size(), size_t(2));
    QCOMPARE(m_node->faults()->pendingRefusals(), 2);
}

void tst_VirtualClient::cutEventIsDropped()
{
    startNode(150);
    auto c = client(streamUrl());
    QTRY_VERIFY(c->isOpen());
    publish(2);
    QTRY_COMPARE(c->log().events.size(), size_t(2));
    fault({{"fault", "cut"}});
    publish(1); // this one is cut in half
    QTRY_COMPARE(c->log().disconnects.size(), size_t(1));
    const ClientLog::Disconnect &cut = c->log().disconnects.front();
    QVERIFY(cut.endedInsideEvent);
    QCOMPARE(cut.lastEventId, QByteArray("2")); // not the half-read "3"
    QCOMPARE(c->log().events.size(), size_t(2));
    QTRY_COMPARE(c->log().events.size(), size_t(3)); // replayed whole after the reconnection
    QCOMPARE(c->log().attempts.at(1).lastEventIdSent, QByteArray("2"));
    QCOMPARE(c->log().events.back().id, QByteArray("3"));
    c->stop();
}

void tst_VirtualClient::resetIsRecognised()
{
    startNode(150);
    auto c = client(streamUrl());
    QTRY_VERIFY(c->isOpen());
    fault({{"fault", "reset"}});
    QTRY_COMPARE(c->log().disconnects.size(), size_t(1));
    QCOMPARE(c->log().disconnects.front().reason, QStringLiteral("connection reset by the server"));
    QTRY_COMPARE(c->log().opens(), 2);
    fault({{"fault", "close"}});
    QTRY_COMPARE(c->log().disconnects.size(), size_t(2));
    QCOMPARE(c->log().disconnects.back().reason, QStringLiteral("connection closed by the server"));
    c->stop();
}

// --- the misbehaving variants -----------------------------------------------------------------

void tst_VirtualClient::neverSendsLastEventId()
{
    startNode(100);
    auto c = client(streamUrl(), VirtualClient::Behaviour::NeverSendsLastEventId);
    QTRY_VERIFY(c->isOpen());
    publish(2);
    QTRY_COMPARE(c->log().events.size(), size_t(2));
    fault({{"fault", "close"}});
    QTRY_COMPARE(c->log().disconnects.size(), size_t(1));
    publish(2); // missed: it resumes from scratch
    QTRY_COMPARE(c->log().opens(), 2);
    publish(1);
    QTRY_COMPARE(c->log().events.size(), size_t(3));
    c->stop();
    QVERIFY(!c->log().attempts.at(1).sentLastEventId);
    QCOMPARE(c->lastEventId(), QByteArray("5")); // it knew, it just did not say
    QCOMPARE(c->log().events.back().id, QByteArray("5"));
}

void tst_VirtualClient::ignoresRetry()
{
    startNode(2000);
    auto c = client(streamUrl(), VirtualClient::Behaviour::IgnoresRetry, 50);
    QTRY_VERIFY(c->isOpen());
    fault({{"fault", "close"}});
    QTRY_COMPARE(c->log().opens(), 2);
    const ClientLog::Disconnect &gone = c->log().disconnects.front();
    QCOMPARE(gone.retryMs, 2000); // it was told
    QCOMPARE(gone.plannedDelayMs, 50);
    const qint64 delay = c->log().attempts.at(1).atMs - gone.atMs;
    QVERIFY2(delay < 1000, qPrintable(QString::number(delay)));
    c->stop();
}

void tst_VirtualClient::reconnectsImmediatelyAfterRefusal()
{
    startNode(2000);
    auto c = client(streamUrl(), VirtualClient::Behaviour::ReconnectsImmediately);
    QTRY_VERIFY(c->isOpen());
    fault({{"fault", "refuse"}, {"status", 503}, {"count", 5}});
    fault({{"fault", "close"}});
    // Five refusals and the sixth attempt gets in, all well within one retry.
    QTRY_COMPARE_WITH_TIMEOUT(c->log().opens(), 2, 1500);
    QVERIFY(!c->hasFailed());
    QCOMPARE(c->log().attempts.size(), size_t(7));
    for (size_t i = 1; i < 6; ++i)
        QCOMPARE(c->log().attempts.at(i).status, 503);
    c->stop();
}

void tst_VirtualClient::readsSlowly()
{
    startNode(1000);
    auto fast = client(streamUrl());
    auto slow = client(streamUrl(), VirtualClient::Behaviour::ReadsSlowly, 0, 1000);
    QTRY_VERIFY(fast->isOpen() && slow->isOpen());
    // 20 frames of about 200 bytes: 4 KB, four seconds' worth for the slow reader.
    publish(20, 150);
    QTRY_COMPARE(fast->log().events.size(), size_t(20));
    const qint64 start = QDateTime::currentMSecsSinceEpoch();
    QTRY_VERIFY_WITH_TIMEOUT(slow->log().events.size() >= 5, 5000);
    const qint64 firstFive = QDateTime::currentMSecsSinceEpoch() - start;
    QVERIFY2(slow->log().events.size() < 20,
             qPrintable(QString::number(slow->log().events.size())));
    QTRY_COMPARE_WITH_TIMEOUT(slow->log().events.size(), size_t(20), 10000);
    const qint64 all = QDateTime::currentMSecsSinceEpoch() - start;
    // ~1 KB after about a second, all 4 KB after about four: at the rate, give or take.
    QVERIFY2(firstFive >= 300, qPrintable(QString::number(firstFive)));
    QVERIFY2(all >= 2500, qPrintable(QString::number(all)));
    QVERIFY(slow->log().events.back().latencyMs() >= 2000);
    fast->stop();
    slow->stop();
}

QTEST_GUILESS_MAIN(tst_VirtualClient)
#include "tst_virtualclient.moc"
