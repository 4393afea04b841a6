#include "node/nodehost.h"

#include "protocol/frameencoder.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace Herald {

namespace {

// Events per slice of a "publish N" command: small enough that the server thread goes back to
// its event loop (new streams, API calls) between slices, big enough to keep the rate high.
constexpr quint64 SliceSize = 500;

// The rate publisher catches up at most this much time worth of events after the server thread
// was held up, then forgets the rest: a console asked for a rate, not for bursts.
constexpr double MaxCatchUpSeconds = 0.25;

} // namespace

// What lives on the server thread. Made on the GUI thread with nothing thread-bound in it; the
// node and the timers are made and destroyed on the server thread.
struct NodeHost::Server
{
    std::unique_ptr<Node> node;
    std::unique_ptr<QTimer> snapshotTimer;
    int intervalMs = 250;
    int eventCount = 200;
    quint64 sequence = 0;
    quint64 tapped = 0;

    QJsonArray faultLog;
    bool faultLogDirty = true;

    // Batches in flight belong to a generation; stopping the node starts a new one, so a slice
    // queued before the stop does not publish on the next node.
    quint64 generation = 0;

    std::unique_ptr<QTimer> rateTimer;
    DraftGenerator rateGenerator;
    double rate = 0;
    double rateCredit = 0;
    quint64 ratePublished = 0;
    QElapsedTimer rateClock;
};

NodeHost::NodeHost(QObject *parent)
    : QObject(parent)
    , m_context(new QObject)
    , m_server(std::make_unique<Server>())
{
    m_thread.setObjectName(QStringLiteral("herald-server"));
    m_context->moveToThread(&m_thread);
    connect(&m_thread, &QThread::finished, m_context, &QObject::deleteLater);
    m_thread.start();
}

NodeHost::~NodeHost()
{
    // The one place the GUI thread waits for the server: the node must be torn down on its own
    // thread, and streams closed with a flush, before the objects they use go away.
    post([this] {
        serverStop();
        m_server.reset();
        QThread::currentThread()->quit();
    });
    m_thread.wait();
}

template<typename F> void NodeHost::post(F &&f)
{
    QMetaObject::invokeMethod(m_context, std::forward<F>(f), Qt::QueuedConnection);
}

template<typename F> void NodeHost::answer(F &&f)
{
    QMetaObject::invokeMethod(this, std::forward<F>(f), Qt::QueuedConnection);
}

void NodeHost::start(const NodeConfig &config)
{
    if (m_state != State::Stopped)
        return;
    m_state = State::Starting;
    m_config = config;
    post([this, config] { serverStart(config); });
}

void NodeHost::stop()
{
    if (m_state == State::Stopped || m_state == State::Stopping)
        return;
    m_state = State::Stopping;
    post([this] {
        serverStop();
        answer([this] {
            m_state = State::Stopped;
            m_url.clear();
            Q_EMIT stopped();
        });
    });
}

void NodeHost::setSnapshotInterval(int milliseconds)
{
    post([this, milliseconds] {
        m_server->intervalMs = std::max(10, milliseconds);
        if (m_server->snapshotTimer)
            m_server->snapshotTimer->setInterval(m_server->intervalMs);
    });
}

void NodeHost::setSnapshotEvents(int count)
{
    post([this, count] { m_server->eventCount = std::max(0, count); });
}

void NodeHost::publish(std::vector<EventDraft> drafts)
{
    auto shared = std::make_shared<std::vector<EventDraft>>(std::move(drafts));
    publishGenerated(quint64(shared->size()),
                     [shared](quint64 index) { return (*shared)[size_t(index)]; });
}

void NodeHost::publishGenerated(quint64 count, DraftGenerator generator)
{
    post([this, count, generator = std::move(generator)] {
        if (!m_server->node) {
            answer([this] { Q_EMIT publishFailed(QStringLiteral("the server is not running")); });
            return;
        }
        if (count == 0)
            return;
        serverPublishSlice(0, count, generator, 0);
    });
}

void NodeHost::startRate(double perSecond, DraftGenerator generator)
{
    post([this, perSecond, generator = std::move(generator)] {
        if (!m_server->node) {
            answer([this] { Q_EMIT publishFailed(QStringLiteral("the server is not running")); });
            return;
        }
        serverStopRate();
        Server &s = *m_server;
        s.rate = std::max(0.01, perSecond);
        s.rateGenerator = generator;
        s.rateCredit = 0;
        s.ratePublished = 0;
        s.rateClock.start();
        s.rateTimer = std::make_unique<QTimer>();
        s.rateTimer->setTimerType(Qt::PreciseTimer);
        // One event per tick at low rates; at high ones, batches every 10 ms.
        s.rateTimer->setInterval(std::clamp(int(1000.0 / s.rate), 10, 1000));
        QObject::connect(s.rateTimer.get(), &QTimer::timeout, m_context,
                         [this] { serverRateTick(); });
        s.rateTimer->start();
    });
}

void NodeHost::stopRate()
{
    post([this] { serverStopRate(); });
}

// A message for one client cannot be an ordinary event: ids are one sequence shared by every
// client and kept in the history for replay, and an id used for one client only would be a hole
// in everybody else's sequence (or, replayed, reach clients it was not meant for). So it goes
// out as an event frame without an "id:" line. Per the HTML standard such an event leaves the
// client's last event ID as it was, so a reconnect resumes exactly where the normal sequence
// was. The price: it is not kept in the history, not replayed, not relayed to other nodes, and
// not counted as an event sent to that client (only its bytes are).
void NodeHost::sendDirect(quint64 clientId, const QByteArray &type, const QByteArray &data)
{
    post([this, clientId, type, data] {
        if (!m_server->node) {
            answer([this] { Q_EMIT publishFailed(QStringLiteral("the server is not running")); });
            return;
        }
        if (!type.isEmpty() && !FrameEncoder::isValidEventType(type)) {
            answer([this] {
                Q_EMIT publishFailed(QStringLiteral("an event type may not hold CR or LF"));
            });
            return;
        }
        QByteArray frame = FrameEncoder::event(0, type, data);
        const QByteArray idLine = QByteArrayLiteral("id: 0\n");
        if (frame.startsWith(idLine))
            frame.remove(0, idLine.size());
        const bool delivered = m_server->node->broadcaster()->sendTo(clientId, frame);
        answer([this, clientId, delivered] { Q_EMIT directSent(clientId, delivered); });
    });
}

void NodeHost::applyFault(const Fault &fault)
{
    post([this, fault] {
        if (!m_server->node) {
            answer([this] { Q_EMIT faultFailed(QStringLiteral("the server is not running")); });
            return;
        }
        const FaultInjector::Result result = m_server->node->faults()->apply(fault);
        if (!result.error.isEmpty()) {
            answer([this, error = result.error] { Q_EMIT faultFailed(error); });
            return;
        }
        answer([this, record = result.record] { Q_EMIT faultApplied(record); });
    });
}

void NodeHost::tapClient(quint64 clientId)
{
    post([this, clientId] {
        Server &s = *m_server;
        if (s.tapped == clientId)
            return;
        if (s.node) {
            Broadcaster *broadcaster = s.node->broadcaster();
            if (const SessionPtr old = broadcaster->session(s.tapped))
                old->setTapEnabled(false);
            if (const SessionPtr now = broadcaster->session(clientId))
                now->setTapEnabled(true);
        }
        s.tapped = clientId;
        // Show the change at once rather than a tick later.
        serverTakeSnapshot(true);
    });
}

void NodeHost::serverStart(const NodeConfig &config)
{
    Server &s = *m_server;
    auto node = std::make_unique<Node>(config);
    QString error;
    if (!node->start(&error)) {
        answer([this, error] {
            m_state = State::Stopped;
            Q_EMIT startFailed(error);
        });
        return;
    }
    s.node = std::move(node);
    s.faultLogDirty = true;
    QObject::connect(s.node->faults(), &FaultInjector::faultApplied, m_context,
                     [this] { m_server->faultLogDirty = true; });

    s.snapshotTimer = std::make_unique<QTimer>();
    s.snapshotTimer->setInterval(s.intervalMs);
    QObject::connect(s.snapshotTimer.get(), &QTimer::timeout, m_context, [this] { serverTick(); });
    s.snapshotTimer->start();

    const QUrl url = s.node->url();
    answer([this, url] {
        // A stop asked for while starting wins; its answer follows this one.
        if (m_state == State::Starting)
            m_state = State::Running;
        m_url = url;
        Q_EMIT started(url);
    });
    serverTakeSnapshot(true);
}

void NodeHost::serverStop()
{
    if (!m_server)
        return;
    Server &s = *m_server;
    serverStopRate();
    ++s.generation;
    s.snapshotTimer.reset();
    if (!s.node)
        return;
    s.node->stop();
    s.node.reset();
    s.tapped = 0;
    s.faultLog = QJsonArray();
    // A last snapshot with no clients, so views empty themselves the usual way.
    serverTakeSnapshot(true);
}

void NodeHost::serverTick()
{
    serverTakeSnapshot(false);
}

void NodeHost::serverTakeSnapshot(bool force)
{
    // Only one snapshot waits for the GUI at a time; forced ones (state changes) go anyway.
    const bool wasPending = m_snapshotPending.exchange(true);
    if (wasPending && !force)
        return;

    Server &s = *m_server;
    NodeSnapshot snapshot;
    snapshot.sequence = ++s.sequence;
    snapshot.takenAtMs = QDateTime::currentMSecsSinceEpoch();
    if (Node *node = s.node.get()) {
        snapshot.running = node->isRunning();
        snapshot.url = node->url();
        snapshot.nodeId = node->config().broadcast.nodeId;

        Broadcaster *broadcaster = node->broadcaster();
        const QList<SessionPtr> sessions = broadcaster->sessions();
        snapshot.clients.reserve(size_t(sessions.size()));
        for (const SessionPtr &session : sessions) {
            ClientSnapshot client;
            client.info = session->info();
            client.eventsSent = session->eventsSent();
            client.bytesSent = session->bytesSent();
            client.queuedBytes = session->queuedBytes();
            client.lastSentId = session->lastSentId();
            client.state = session->state();
            snapshot.clients.push_back(std::move(client));
        }
        std::sort(
            snapshot.clients.begin(), snapshot.clients.end(),
            [](const ClientSnapshot &a, const ClientSnapshot &b) { return a.info.id < b.info.id; });

        snapshot.metrics = broadcaster->metrics();
        snapshot.lastEvents = broadcaster->history().lastEvents(s.eventCount);

        if (s.faultLogDirty) {
            s.faultLog = node->faults()->log();
            s.faultLogDirty = false;
        }
        snapshot.faultLog = s.faultLog;
        snapshot.pendingRefusals = node->faults()->pendingRefusals();

        if (HttpApi *http = node->http()) {
            if (http->relayStatus)
                snapshot.relayStatus = http->relayStatus();
            if (http->nodes)
                snapshot.nodes = http->nodes();
        }

        snapshot.tappedClient = s.tapped;
        if (s.tapped) {
            if (const SessionPtr session = broadcaster->session(s.tapped)) {
                // A client that connected after it was chosen (ids are not reused, so this is
                // only the first snapshot after selection) gets its tap switched on here.
                if (!session->isTapEnabled())
                    session->setTapEnabled(true);
                snapshot.tapped = session->tapped();
            }
        }
    }
    snapshot.ratePublishing = bool(s.rateTimer);
    snapshot.rate = s.rate;
    snapshot.ratePublished = s.ratePublished;

    answer([this, snapshot = std::move(snapshot)] {
        Q_EMIT snapshotTaken(snapshot);
        // Cleared only once every receiver is done with it, so a slow GUI slows the snapshots.
        m_snapshotPending = false;
    });
}

void NodeHost::serverPublishSlice(quint64 next, quint64 count, DraftGenerator generator,
                                  qint64 firstId)
{
    Server &s = *m_server;
    if (!s.node)
        return;
    const quint64 end = std::min(count, next + SliceSize);
    std::vector<EventDraft> drafts;
    drafts.reserve(size_t(end - next));
    for (quint64 i = next; i < end; ++i)
        drafts.push_back(generator(i));

    const quint64 generation = s.generation;
    s.node->broadcaster()->submit(std::move(drafts),
                                  [this, end, count, generator, firstId,
                                   generation](std::vector<EventPtr> events, QString error) {
                                      if (!error.isEmpty()) {
                                          answer([this, error] { Q_EMIT publishFailed(error); });
                                          return;
                                      }
                                      if (events.empty())
                                          return;
                                      const qint64 first = firstId ? firstId : events.front()->id;
                                      const qint64 last = events.back()->id;
                                      if (end >= count) {
                                          answer([this, first, last, count] {
                                              Q_EMIT published(first, last, qsizetype(count));
                                          });
                                          return;
                                      }
                                      // The next slice after whatever else the server thread has to
                                      // do.
                                      QMetaObject::invokeMethod(
                                          m_context,
                                          [this, end, count, generator, first, generation] {
                                              if (m_server && m_server->generation == generation)
                                                  serverPublishSlice(end, count, generator, first);
                                          },
                                          Qt::QueuedConnection);
                                  });
}

void NodeHost::serverRateTick()
{
    Server &s = *m_server;
    if (!s.node || !s.rateTimer)
        return;
    const double seconds = double(s.rateClock.restart()) / 1000.0;
    s.rateCredit += seconds * s.rate;
    quint64 due = quint64(std::floor(s.rateCredit));
    const quint64 cap = std::max<quint64>(1, quint64(s.rate * MaxCatchUpSeconds));
    if (due > cap) {
        due = cap;
        s.rateCredit = 0;
    } else {
        s.rateCredit -= double(due);
    }
    if (due == 0)
        return;

    std::vector<EventDraft> drafts;
    drafts.reserve(size_t(due));
    for (quint64 i = 0; i < due; ++i)
        drafts.push_back(s.rateGenerator(s.ratePublished + i));
    s.ratePublished += due;
    s.node->broadcaster()->submit(std::move(drafts), [this](std::vector<EventPtr>, QString error) {
        if (error.isEmpty() || !m_server || !m_server->rateTimer)
            return;
        serverStopRate();
        answer([this, error] { Q_EMIT publishFailed(error); });
    });
}

void NodeHost::serverStopRate()
{
    Server &s = *m_server;
    if (!s.rateTimer)
        return;
    s.rateTimer.reset();
    s.rateGenerator = nullptr;
    const quint64 published = s.ratePublished;
    answer([this, published] { Q_EMIT rateStopped(published); });
}

} // namespace Herald
