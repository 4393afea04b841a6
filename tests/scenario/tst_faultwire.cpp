// Every server-side fault as a raw socket sees it on the wire: the bytes, their timing and how
// the stream ends (FIN or RST). A real Herald on a free loopback port.

#include "faults/fault.h"
#include "node/node.h"
#include "protocol/frameencoder.h"
#include "rawstreamsocket.h"

#include <QJsonArray>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace Herald;
using namespace Herald::Test;

class tst_FaultWire : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void closeFlushesThenFin();
    void resetSendsRst();
    void stallSilencesEverythingUntilResume();
    void dripPacesBytes();
    void cutEndsInsideAFrame();
    void dropAfterEvents();
    void dropAfterTime();
    void retryThenClose();
    void refuse_data();
    void refuse();

private:
    void startNode(int heartbeatMs = 15000);
    std::unique_ptr<RawStreamSocket> subscribe();
    void apply(const QJsonObject &object);
    QByteArray publish(const QByteArray &data);

    std::unique_ptr<Node> m_node;
};

void tst_FaultWire::init()
{
    startNode();
}

void tst_FaultWire::cleanup()
{
    m_node.reset();
}

void tst_FaultWire::startNode(int heartbeatMs)
{
    m_node.reset();
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 1;
    config.broadcast.heartbeatMs = heartbeatMs;
    config.broadcast.nodeId = QStringLiteral("test-node");
    m_node = std::make_unique<Node>(config);
    QString error;
    QVERIFY2(m_node->start(&error), qPrintable(error));
}

std::unique_ptr<RawStreamSocket> tst_FaultWire::subscribe()
{
    auto socket = std::make_unique<RawStreamSocket>();
    QSignalSpy connected(m_node->broadcaster(), &Broadcaster::clientConnected);
    if (!socket->open(m_node->port(), "/events?topic=w"))
        return nullptr;
    // Live once the broadcaster has it and the preamble (retry and a comment) is through.
    if (!QTest::qWaitFor([&] { return socket->body().contains("\n\n"); }, 5000))
        return nullptr;
    return socket;
}

void tst_FaultWire::apply(const QJsonObject &object)
{
    QString error;
    const std::optional<Fault> fault = Fault::fromJson(object, &error);
    QVERIFY2(fault, qPrintable(error));
    const FaultInjector::Result result = m_node->faults()->apply(*fault);
    QVERIFY2(result.error.isEmpty(), qPrintable(result.error));
}

QByteArray tst_FaultWire::publish(const QByteArray &data)
{
    EventDraft draft;
    draft.topic = QStringLiteral("w");
    draft.data = data;
    return m_node->broadcaster()->publishLocal({draft}).front()->frame;
}

void tst_FaultWire::closeFlushesThenFin()
{
    auto socket = subscribe();
    QVERIFY(socket);
    const QByteArray preamble = socket->body();
    // Published and closed in one go: the frames are still queued when the close comes.
    QByteArray frames = publish("one");
    frames += publish("two");
    frames += publish("three");
    apply({{"fault", "close"}});
    QTRY_VERIFY(socket->end() != RawStreamSocket::End::Open);
    QCOMPARE(socket->end(), RawStreamSocket::End::Fin);
    QCOMPARE(socket->body(), preamble + frames);
}

void tst_FaultWire::resetSendsRst()
{
    auto socket = subscribe();
    QVERIFY(socket);
    apply({{"fault", "reset"}});
    QTRY_VERIFY(socket->end() != RawStreamSocket::End::Open);
    QCOMPARE(socket->end(), RawStreamSocket::End::Reset);
    QCOMPARE(socket->endErrno(), ECONNRESET);
}

void tst_FaultWire::stallSilencesEverythingUntilResume()
{
    startNode(100); // a heartbeat every 100 ms on an idle stream
    auto socket = subscribe();
    QVERIFY(socket);
    QCOMPARE(m_node->broadcaster()->sessions().size(), 1);
    const quint64 stalledId = m_node->broadcaster()->sessions().constFirst()->id();
    auto witness = subscribe();
    QVERIFY(witness);
    QTRY_VERIFY(socket->body().contains(": heartbeat\n"));

    apply({{"fault", "stall"}, {"clients", QJsonArray{QString::number(stalledId)}}});
    // The stall reaches the worker through its command queue, and so does a publish after it:
    // once the other client (same worker) has that event, the stall is in force.
    publish("marker");
    QTRY_VERIFY(witness->body().contains("data: marker\n\n"));
    const qsizetype stalledAt = socket->bodySize();
    QVERIFY(!socket->body().contains("data: marker"));
    publish("held back");
    // An observation window: several heartbeat periods with the socket silent.
    const qint64 silentFrom = RawStreamSocket::monotonicMs();
    QTest::qWait(800);
    QCOMPARE(socket->bodySize(), stalledAt);
    for (const RawStreamSocket::Arrival &arrival : socket->arrivals())
        QVERIFY(arrival.atMs < silentFrom);
    QCOMPARE(socket->end(), RawStreamSocket::End::Open);

    apply({{"fault", "resume"}});
    QTRY_VERIFY(socket->body().contains("data: held back\n\n"));
    // What was held back arrives whole and in order.
    const qsizetype marker = socket->body().indexOf("data: marker\n\n");
    QVERIFY(marker > 0 && marker < socket->body().indexOf("data: held back"));
    // And the heartbeats are back.
    const qsizetype resumed = socket->body().lastIndexOf("data: held back");
    QTRY_VERIFY(socket->body().indexOf(": heartbeat\n", resumed) > 0);
}

void tst_FaultWire::dripPacesBytes()
{
    auto socket = subscribe();
    QVERIFY(socket);
    const qsizetype preamble = socket->bodySize();
    const qsizetype arrivalsBefore = socket->arrivals().size();
    const qint64 rate = 1000;
    apply({{"fault", "drip"}, {"bytesPerSecond", double(rate)}});
    QByteArray frames;
    for (int i = 0; i < 6; ++i)
        frames += publish(QByteArray(240, char('a' + i)));
    const qint64 start = RawStreamSocket::monotonicMs();
    QTRY_VERIFY_WITH_TIMEOUT(socket->bodySize() >= preamble + frames.size(), 10000);
    QCOMPARE(socket->body().mid(preamble), frames);

    // ~1.5 KB at 1 KB/s: about 1.5 s, never faster than the rate allows (the budget builds up
    // from zero), in many small writes rather than one.
    const QList<RawStreamSocket::Arrival> arrivals = socket->arrivals().mid(arrivalsBefore);
    const qint64 took = arrivals.constLast().atMs - start;
    QVERIFY2(took >= 1000 && took < 5000, qPrintable(QString::number(took)));
    qsizetype inFirstHalfSecond = 0;
    qsizetype largest = 0;
    for (const RawStreamSocket::Arrival &arrival : arrivals) {
        if (arrival.atMs < start + 500)
            inFirstHalfSecond += arrival.bytes;
        largest = std::max(largest, arrival.bytes);
    }
    QVERIFY2(inFirstHalfSecond <= rate / 2 + 200, qPrintable(QString::number(inFirstHalfSecond)));
    QVERIFY2(largest <= rate / 4, qPrintable(QString::number(largest)));
    QVERIFY(arrivals.size() >= 10);
    const double measured = double(frames.size()) * 1000.0 / double(std::max<qint64>(1, took));
    QVERIFY2(measured > rate * 0.3 && measured < rate * 1.5, qPrintable(QString::number(measured)));
    QCOMPARE(socket->end(), RawStreamSocket::End::Open);
}

void tst_FaultWire::cutEndsInsideAFrame()
{
    auto socket = subscribe();
    QVERIFY(socket);
    const QByteArray whole = publish("before the cut");
    QTRY_VERIFY(socket->body().endsWith(whole));
    apply({{"fault", "cut"}});
    const QByteArray frame = publish("this frame is cut in half");
    QTRY_VERIFY(socket->end() != RawStreamSocket::End::Open);
    QCOMPARE(socket->end(), RawStreamSocket::End::Fin);
    const QByteArray body = socket->body();
    QVERIFY(body.endsWith(whole + frame.left(frame.size() / 2)));
    QVERIFY(!body.endsWith("\n\n"));
    QCOMPARE(socket->eventFrames(), 2); // the second "id:" line is there, its event is not
}

void tst_FaultWire::dropAfterEvents()
{
    // One event at a time, each written on its own: three whole frames, then FIN.
    auto socket = subscribe();
    QVERIFY(socket);
    const qsizetype preamble = socket->bodySize();
    apply({{"fault", "drop-after-events"}, {"events", 3}});
    QByteArray frames;
    for (int i = 1; i <= 5 && socket->end() == RawStreamSocket::End::Open; ++i) {
        frames += publish("event " + QByteArray::number(i));
        QTRY_VERIFY(socket->bodySize() >= preamble + frames.size()
                    || socket->end() != RawStreamSocket::End::Open);
    }
    QTRY_VERIFY(socket->end() != RawStreamSocket::End::Open);
    QCOMPARE(socket->end(), RawStreamSocket::End::Fin);
    QCOMPARE(socket->eventFrames(), 3);
    QVERIFY2(socket->body().endsWith("data: event 3\n\n"), socket->body().constData());

    // Five events waiting in the queue when the fault comes (held back by a stall, as they
    // would be for any client that fell behind), so the worker writes them in one go: still
    // exactly three frames must go out before the FIN.
    auto burst = subscribe();
    QVERIFY(burst);
    apply({{"fault", "stall"}});
    for (int i = 1; i <= 5; ++i)
        publish("burst " + QByteArray::number(i));
    apply({{"fault", "drop-after-events"}, {"events", 3}});
    apply({{"fault", "resume"}});
    QTRY_VERIFY(burst->end() != RawStreamSocket::End::Open);
    QCOMPARE(burst->end(), RawStreamSocket::End::Fin);
    QCOMPARE(burst->eventFrames(), 3);
}

void tst_FaultWire::dropAfterTime()
{
    auto socket = subscribe();
    QVERIFY(socket);
    const qint64 applied = RawStreamSocket::monotonicMs();
    apply({{"fault", "drop-after-time"}, {"ms", 400}});
    QTRY_VERIFY(socket->end() != RawStreamSocket::End::Open);
    QCOMPARE(socket->end(), RawStreamSocket::End::Fin);
    const qint64 after = socket->endedAtMs() - applied;
    QVERIFY2(after >= 390 && after < 400 + 1500, qPrintable(QString::number(after)));
}

void tst_FaultWire::retryThenClose()
{
    auto socket = subscribe();
    QVERIFY(socket);
    apply({{"fault", "retry-then-close"}, {"retry", 1234}});
    QTRY_VERIFY(socket->end() != RawStreamSocket::End::Open);
    QCOMPARE(socket->end(), RawStreamSocket::End::Fin);
    QVERIFY2(socket->body().endsWith("retry: 1234\n\n"), socket->body().constData());
}

void tst_FaultWire::refuse_data()
{
    QTest::addColumn<int>("status");
    QTest::newRow("503") << 503;
    QTest::newRow("500") << 500;
    QTest::newRow("204") << 204;
}

void tst_FaultWire::refuse()
{
    QFETCH(int, status);
    apply({{"fault", "refuse"}, {"status", status}, {"count", 2}, {"retryAfter", 7}});
    for (int i = 0; i < 2; ++i) {
        RawStreamSocket socket;
        QVERIFY(socket.open(m_node->port(), "/events?topic=w", {"Connection: close"}));
        QTRY_VERIFY(socket.end() != RawStreamSocket::End::Open);
        QCOMPARE(socket.status(), status);
        QVERIFY(!socket.head().toLower().contains("text/event-stream"));
        if (status == 503)
            QVERIFY(socket.head().contains("\r\nRetry-After: 7\r\n"));
        if (status == 204)
            QVERIFY(socket.body().isEmpty());
    }
    // The refusals are used up: the next one streams.
    RawStreamSocket socket;
    QVERIFY(socket.open(m_node->port(), "/events?topic=w"));
    QTRY_VERIFY(socket.headComplete());
    QCOMPARE(socket.status(), 200);
    QCOMPARE(m_node->faults()->pendingRefusals(), 0);
}

QTEST_GUILESS_MAIN(tst_FaultWire)
#include "tst_faultwire.moc"
