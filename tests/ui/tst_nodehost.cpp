// NodeHost: a Node on its own thread, watched through snapshots and driven by queued commands,
// against real subscriber sockets on a free loopback port.

#include "node/nodehost.h"
#include "testsupport.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <memory>

using namespace Herald;
using namespace Herald::Test;

class tst_NodeHost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void startAndStop();
    void startFailsOnABusyPort();
    void snapshotsFollowClients();
    void snapshotsWaitForASlowGui();
    void publishManyInSlices();
    void rateAndStop();
    void directMessageHasNoId();
    void faultsAndTheirLog();
    void dropAfterEventsOnABatch();
    void tapOfTheSelectedClient();
    void destructorClosesStreamsCleanly();

private:
    bool start();
    std::unique_ptr<RawHttpClient> subscribe(const QByteArray &target,
                                             const QList<QByteArray> &headers = {});
    quint16 port() const { return quint16(m_host->url().port()); }

    std::unique_ptr<NodeHost> m_host;
    NodeSnapshot m_last;
};

void tst_NodeHost::init()
{
    m_host = std::make_unique<NodeHost>();
    m_host->setSnapshotInterval(40);
    m_last = NodeSnapshot();
    connect(m_host.get(), &NodeHost::snapshotTaken, this,
            [this](const NodeSnapshot &snapshot) { m_last = snapshot; });
}

void tst_NodeHost::cleanup()
{
    m_host.reset();
}

bool tst_NodeHost::start()
{
    NodeConfig config;
    config.port = 0;
    config.broadcast.workers = 2;
    config.broadcast.nodeId = QStringLiteral("host-test");
    QSignalSpy started(m_host.get(), &NodeHost::started);
    m_host->start(config);
    if (m_host->state() != NodeHost::State::Starting)
        return false;
    return started.wait(5000) && m_host->isRunning();
}

std::unique_ptr<RawHttpClient> tst_NodeHost::subscribe(const QByteArray &target,
                                                       const QList<QByteArray> &headers)
{
    auto client = std::make_unique<RawHttpClient>(port());
    if (!client->connectToServer())
        return nullptr;
    client->get(target, headers);
    if (!client->waitForHead() || client->status() != 200)
        return nullptr;
    // Live once the snapshot lists it: events published after that reach it.
    const QByteArray id = client->header("herald-client-id");
    const bool listed = QTest::qWaitFor([&] {
        for (const ClientSnapshot &c : m_last.clients) {
            if (QByteArray::number(c.info.id) == id)
                return true;
        }
        return false;
    });
    if (!listed)
        return nullptr;
    return client;
}

void tst_NodeHost::startAndStop()
{
    QSignalSpy stopped(m_host.get(), &NodeHost::stopped);
    QVERIFY(start());
    QVERIFY(port() > 0);
    QTRY_VERIFY(m_last.running);
    QCOMPARE(m_last.nodeId, QStringLiteral("host-test"));

    m_host->stop();
    QCOMPARE(m_host->state(), NodeHost::State::Stopping);
    QVERIFY(stopped.wait(5000));
    QCOMPARE(m_host->state(), NodeHost::State::Stopped);
    QTRY_VERIFY(!m_last.running);
    // And again, on another port.
    QVERIFY(start());
}

void tst_NodeHost::startFailsOnABusyPort()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    NodeConfig config;
    config.port = squatter.serverPort();
    QSignalSpy failed(m_host.get(), &NodeHost::startFailed);
    m_host->start(config);
    QVERIFY(failed.wait(5000));
    QVERIFY(!failed[0][0].toString().isEmpty());
    QCOMPARE(m_host->state(), NodeHost::State::Stopped);
}

void tst_NodeHost::snapshotsFollowClients()
{
    QVERIFY(start());
    auto a = subscribe("/events?topic=a", {"User-Agent: tester-a", "Origin: http://o.example"});
    auto b = subscribe("/events?topic=b&topic=c");
    QVERIFY(a && b);
    QTRY_COMPARE(m_last.clients.size(), size_t(2));
    QVERIFY(m_last.clients[0].info.id < m_last.clients[1].info.id);
    QCOMPARE(m_last.clients[0].info.userAgent, QStringLiteral("tester-a"));
    QCOMPARE(m_last.clients[0].info.origin, QStringLiteral("http://o.example"));
    QCOMPARE(m_last.clients[1].info.topics,
             (QStringList{QStringLiteral("b"), QStringLiteral("c")}));
    QCOMPARE(m_last.metrics.clients, 2);

    a->socket().disconnectFromHost();
    QTRY_COMPARE(m_last.clients.size(), size_t(1));
    QCOMPARE(QByteArray::number(m_last.clients[0].info.id), b->header("herald-client-id"));
}

void tst_NodeHost::snapshotsWaitForASlowGui()
{
    QVERIFY(start());
    QTRY_VERIFY(m_last.running);
    QSignalSpy snapshots(m_host.get(), &NodeHost::snapshotTaken);
    // Hold the GUI thread far longer than the 40 ms interval, as a slow repaint would. This
    // sleep is the thing under test (a stalled GUI), not a wait for something to happen.
    QThread::msleep(600);
    QCoreApplication::processEvents();
    // One snapshot was waiting; the server made no more while it was not taken.
    QCOMPARE(snapshots.size(), 1);
    QTRY_VERIFY(snapshots.size() >= 3); // and they flow again
}

void tst_NodeHost::publishManyInSlices()
{
    QVERIFY(start());
    auto client = subscribe("/events?topic=bulk");
    QVERIFY(client);
    QSignalSpy published(m_host.get(), &NodeHost::published);
    // More than one slice, so the continuation across the event loop is exercised.
    const quint64 count = 1234;
    m_host->publishGenerated(count, [](quint64 index) {
        EventDraft draft;
        draft.topic = QStringLiteral("bulk");
        draft.data = QByteArray::number(index);
        return draft;
    });
    QVERIFY(published.wait(10000));
    QCOMPARE(published[0][0].toLongLong(), 1);
    QCOMPARE(published[0][1].toLongLong(), qint64(count));
    QCOMPARE(published[0][2].value<qsizetype>(), qsizetype(count));
    QTRY_COMPARE(client->ids().size(), qsizetype(count));
    QCOMPARE(client->ids().last(), qint64(count));
    QVERIFY(client->frames().last().endsWith("data: 1233\n"));

    // Several drafts as they are.
    EventDraft one;
    one.topic = QStringLiteral("bulk");
    one.data = "one";
    m_host->publish({one, one});
    QVERIFY(published.wait());
    QCOMPARE(published[1][0].toLongLong(), qint64(count + 1));
    QCOMPARE(published[1][1].toLongLong(), qint64(count + 2));
}

void tst_NodeHost::rateAndStop()
{
    QVERIFY(start());
    auto client = subscribe("/events");
    QVERIFY(client);
    m_host->startRate(200, [](quint64 index) {
        EventDraft draft;
        draft.data = QByteArray::number(index);
        return draft;
    });
    QTRY_VERIFY(client->ids().size() >= 20);
    QTRY_VERIFY(m_last.ratePublishing);
    QSignalSpy stopped(m_host.get(), &NodeHost::rateStopped);
    m_host->stopRate();
    QVERIFY(stopped.wait());
    const quint64 made = stopped[0][0].toULongLong();
    QVERIFY(made >= 20);
    // Every event the rate publisher made arrives, once and in order.
    QTRY_COMPARE(client->ids().size(), qsizetype(made));
    for (qsizetype i = 0; i < client->ids().size(); ++i)
        QCOMPARE(client->ids()[i], qint64(i + 1));
    QTRY_VERIFY(!m_last.ratePublishing);
}

void tst_NodeHost::directMessageHasNoId()
{
    QVERIFY(start());
    auto target = subscribe("/events");
    auto other = subscribe("/events");
    QVERIFY(target && other);
    const quint64 id = target->header("herald-client-id").toULongLong();
    QSignalSpy sent(m_host.get(), &NodeHost::directSent);
    m_host->sendDirect(id, "private", "just\nyou");
    QVERIFY(sent.wait());
    QCOMPARE(sent[0][0].toULongLong(), id);
    QVERIFY(sent[0][1].toBool());
    QVERIFY(target->waitForBodyContaining("event: private\ndata: just\ndata: you\n\n"));
    QVERIFY(!target->body().contains("id: 0"));

    // The id sequence is untouched: the next event is 1, for both.
    EventDraft draft;
    draft.data = "everyone";
    m_host->publish({draft});
    QTRY_COMPARE(target->ids(), QList<qint64>{1});
    QTRY_COMPARE(other->ids(), QList<qint64>{1});
    QVERIFY(!other->body().contains("private"));

    m_host->sendDirect(999999, "x", "y");
    QVERIFY(sent.wait());
    QVERIFY(!sent[1][1].toBool());
}

void tst_NodeHost::faultsAndTheirLog()
{
    QVERIFY(start());
    auto a = subscribe("/events");
    auto b = subscribe("/events");
    QVERIFY(a && b);
    QSignalSpy applied(m_host.get(), &NodeHost::faultApplied);
    QSignalSpy failed(m_host.get(), &NodeHost::faultFailed);

    Fault kick;
    kick.kind = Fault::Kind::Close;
    kick.allClients = false;
    kick.clients = {a->header("herald-client-id").toULongLong()};
    m_host->applyFault(kick);
    QVERIFY(applied.wait());
    QCOMPARE(applied[0][0].toJsonObject().value(QStringLiteral("applied")).toInt(), 1);
    QVERIFY(a->waitForDisconnect());
    QVERIFY(b->isConnected());
    QTRY_COMPARE(m_last.faultLog.size(), 1);

    Fault refuse;
    refuse.kind = Fault::Kind::Refuse;
    refuse.count = 2;
    m_host->applyFault(refuse);
    QVERIFY(applied.wait());
    QTRY_COMPARE(m_last.pendingRefusals, 2);

    Fault nobody = kick;
    nobody.clients = {424242};
    m_host->applyFault(nobody);
    QVERIFY(failed.wait());
}

void tst_NodeHost::dropAfterEventsOnABatch()
{
    QVERIFY(start());
    auto client = subscribe("/events");
    QVERIFY(client);
    Fault drop;
    drop.kind = Fault::Kind::DropAfterEvents;
    drop.events = 5;
    drop.allClients = false;
    drop.clients = {client->header("herald-client-id").toULongLong()};
    QSignalSpy applied(m_host.get(), &NodeHost::faultApplied);
    m_host->applyFault(drop);
    QVERIFY(applied.wait());
    // One batch: all eight frames wait in the client's queue together, and still only five
    // may reach it.
    m_host->publishGenerated(8, [](quint64 index) {
        EventDraft draft;
        draft.data = QByteArray::number(index);
        return draft;
    });
    QVERIFY(client->waitForDisconnect());
    QCOMPARE(client->ids(), (QList<qint64>{1, 2, 3, 4, 5}));
}

void tst_NodeHost::tapOfTheSelectedClient()
{
    QVERIFY(start());
    auto client = subscribe("/events");
    QVERIFY(client);
    const quint64 id = client->header("herald-client-id").toULongLong();
    m_host->tapClient(id);
    QTRY_COMPARE(m_last.tappedClient, id);
    EventDraft draft;
    draft.data = "tapped";
    m_host->publish({draft});
    QTRY_VERIFY(m_last.tapped.contains("id: 1\ndata: tapped\n\n"));
    QVERIFY(client->body().endsWith(m_last.tapped));

    m_host->tapClient(0);
    QTRY_COMPARE(m_last.tappedClient, quint64(0));
    QVERIFY(m_last.tapped.isEmpty());
}

void tst_NodeHost::destructorClosesStreamsCleanly()
{
    QVERIFY(start());
    auto client = subscribe("/events");
    QVERIFY(client);
    m_host.reset();
    // A clean end of stream (FIN), not a reset: the client reconnects as it would to a restart.
    QVERIFY(client->waitForDisconnect());
    QCOMPARE(client->socket().error(), QAbstractSocket::RemoteHostClosedError);
}

QTEST_MAIN(tst_NodeHost)
#include "tst_nodehost.moc"
