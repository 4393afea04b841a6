#include "broadcast/broadcaster.h"

#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTest>

#include <cerrno>
#include <memory>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Herald;

Q_LOGGING_CATEGORY(lcTest, "herald.test")

namespace {

// The client end of a stream: one end of a socket pair, the broadcaster holds the other.
class Peer
{
public:
    Peer() = default;
    Peer(const Peer &) = delete;
    Peer &operator=(const Peer &) = delete;
    ~Peer() { hangUp(); }

    // Returns the end to hand to the broadcaster, or -1. With bufferBytes, both directions of
    // the pair buffer only about that much, so a large frame cannot go out in one write.
    int open(int bufferBytes = 0)
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
            return -1;
        if (bufferBytes > 0) {
            ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &bufferBytes, sizeof bufferBytes);
            ::setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &bufferBytes, sizeof bufferBytes);
        }
        m_fd = fds[0];
        ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
        return fds[1];
    }

    // Everything received so far.
    const QByteArray &received()
    {
        char buffer[4096];
        ssize_t n;
        while (m_fd >= 0 && (n = ::read(m_fd, buffer, sizeof buffer)) > 0)
            m_received.append(buffer, n);
        return m_received;
    }

    void hangUp()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd = -1;
    QByteArray m_received;
};

} // namespace

class tst_Broadcaster : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void placement_data();
    void placement();
    void leavingMakesRoom();
    void lateWorkerGetsLaterEvents();
    void partialWritesKeepEveryByte_data();
    void partialWritesKeepEveryByte();

private:
    std::unique_ptr<Broadcaster> start(int workers, int clientsPerWorker);
    SessionPtr attach(Broadcaster &broadcaster, Peer &peer, std::vector<Chunk> initial = {},
                      int bufferBytes = 0);
};

std::unique_ptr<Broadcaster> tst_Broadcaster::start(int workers, int clientsPerWorker)
{
    Broadcaster::Config config;
    config.workers = workers;
    config.clientsPerWorker = clientsPerWorker;
    auto broadcaster = std::make_unique<Broadcaster>(config);
    QString error;
    if (!broadcaster->start(&error)) {
        qCWarning(lcTest) << "cannot start the broadcaster:" << error;
        return nullptr;
    }
    return broadcaster;
}

SessionPtr tst_Broadcaster::attach(Broadcaster &broadcaster, Peer &peer, std::vector<Chunk> initial,
                                   int bufferBytes)
{
    const int fd = peer.open(bufferBytes);
    if (fd < 0)
        return nullptr;
    ClientInfo info;
    info.id = broadcaster.nextClientId();
    info.topics = {QStringLiteral("default")};
    return broadcaster.attach(std::move(info), fd, std::move(initial));
}

void tst_Broadcaster::placement_data()
{
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("clientsPerWorker");
    QTest::addColumn<int>("clients");
    QTest::addColumn<QList<int>>("expected");

    QTest::newRow("the first worker fills first") << 2 << 3 << 3 << QList<int>{3, 0};
    QTest::newRow("then the next one") << 2 << 3 << 5 << QList<int>{3, 2};
    QTest::newRow("all full: the fewest") << 2 << 3 << 8 << QList<int>{4, 4};
    QTest::newRow("three workers") << 3 << 2 << 7 << QList<int>{3, 2, 2};
    QTest::newRow("0 spreads from the first") << 2 << 0 << 5 << QList<int>{3, 2};
    QTest::newRow("0 with three workers") << 3 << 0 << 4 << QList<int>{2, 1, 1};
    QTest::newRow("one worker") << 1 << 2 << 5 << QList<int>{5};
}

void tst_Broadcaster::placement()
{
    QFETCH(int, workers);
    QFETCH(int, clientsPerWorker);
    QFETCH(int, clients);
    QFETCH(QList<int>, expected);

    auto broadcaster = start(workers, clientsPerWorker);
    QVERIFY(broadcaster);
    QCOMPARE(broadcaster->workerClients(), QList<int>(workers, 0));

    std::vector<std::unique_ptr<Peer>> peers;
    for (int i = 0; i < clients; ++i) {
        peers.push_back(std::make_unique<Peer>());
        QVERIFY(attach(*broadcaster, *peers.back()));
    }
    QCOMPARE(broadcaster->workerClients(), expected);
    QCOMPARE(broadcaster->clientCount(), clients);

    // Every client streams, whichever worker holds it.
    broadcaster->publishLocal({EventDraft{QStringLiteral("default"), "message", "hello", {}}});
    for (auto &peer : peers)
        QTRY_VERIFY(peer->received().contains("id: 1\ndata: hello\n\n"));
}

void tst_Broadcaster::leavingMakesRoom()
{
    auto broadcaster = start(2, 2);
    QVERIFY(broadcaster);

    Peer first, second, third;
    const SessionPtr a = attach(*broadcaster, first);
    QVERIFY(a);
    QVERIFY(attach(*broadcaster, second));
    QVERIFY(attach(*broadcaster, third));
    QCOMPARE(broadcaster->workerClients(), (QList<int>{2, 1}));

    // The worker notices the hang-up; the count drops once the broadcaster hears of it.
    QSignalSpy gone(broadcaster.get(), &Broadcaster::clientDisconnected);
    first.hangUp();
    QVERIFY(gone.wait());
    QCOMPARE(gone.first().first().toULongLong(), a->id());
    QCOMPARE(broadcaster->workerClients(), (QList<int>{1, 1}));

    // The freed place on the first worker is taken before the second worker fills up.
    Peer fourth;
    QVERIFY(attach(*broadcaster, fourth));
    QCOMPARE(broadcaster->workerClients(), (QList<int>{2, 1}));

    broadcaster->stop();
    QCOMPARE(broadcaster->workerClients(), QList<int>());
}

void tst_Broadcaster::lateWorkerGetsLaterEvents()
{
    // The second worker is not woken while it has no client. A client that joins it afterwards
    // gets the earlier event from its replay (the initial chunks here) and the later one live,
    // each once.
    auto broadcaster = start(2, 1);
    QVERIFY(broadcaster);

    Peer early;
    QVERIFY(attach(*broadcaster, early));
    const std::vector<EventPtr> one
        = broadcaster->publishLocal({EventDraft{QStringLiteral("default"), "message", "one", {}}});
    QTRY_VERIFY(early.received().contains("data: one\n"));

    Peer late;
    QVERIFY(attach(*broadcaster, late, {Chunk{one.front()->frame, one.front()->id}}));
    QCOMPARE(broadcaster->workerClients(), (QList<int>{1, 1}));
    broadcaster->publishLocal({EventDraft{QStringLiteral("default"), "message", "two", {}}});

    QTRY_VERIFY(late.received().contains("data: two\n"));
    QTRY_VERIFY(early.received().contains("data: two\n"));
    QCOMPARE(late.received(), QByteArray("id: 1\ndata: one\n\nid: 2\ndata: two\n\n"));
    QCOMPARE(late.received().count("data: one"), 1);
}

void tst_Broadcaster::partialWritesKeepEveryByte_data()
{
    QTest::addColumn<bool>("readBetween");

    // Read between events: each lone event meets an empty queue and is written straight to the
    // socket, which takes only part of it. Read after all: later events find the rest of the
    // first still queued and queue behind it.
    QTest::newRow("read between events") << true;
    QTest::newRow("read after all events") << false;
}

void tst_Broadcaster::partialWritesKeepEveryByte()
{
    QFETCH(bool, readBetween);

    auto broadcaster = start(1, 0);
    QVERIFY(broadcaster);
    Peer peer;
    const SessionPtr session = attach(*broadcaster, peer, {}, 4096);
    QVERIFY(session);

    // Each frame is several times what the socket pair buffers.
    QByteArray expected;
    const int events = 8;
    for (int i = 1; i <= events; ++i) {
        const QByteArray payload(64 * 1024 + i, char('a' + i));
        const std::vector<EventPtr> published = broadcaster->publishLocal(
            {EventDraft{QStringLiteral("default"), "message", payload, {}}});
        QCOMPARE(published.size(), size_t(1));
        expected += published.front()->frame;
        if (readBetween)
            QTRY_COMPARE(peer.received().size(), expected.size());
    }

    QTRY_COMPARE(peer.received().size(), expected.size());
    QCOMPARE(peer.received(), expected);
    QTRY_COMPARE(session->eventsSent(), quint64(events));
    QCOMPARE(session->bytesSent(), quint64(expected.size()));
    QCOMPARE(session->lastSentId(), qint64(events));
    QCOMPARE(session->queuedBytes(), qint64(0));
    QCOMPARE(broadcaster->metrics().deliveries, quint64(events));
}

QTEST_GUILESS_MAIN(tst_Broadcaster)
#include "tst_broadcaster.moc"
