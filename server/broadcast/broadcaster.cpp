#include "broadcast/broadcaster.h"

#include "logging.h"

#include <QDateTime>
#include <QThread>

#include <unistd.h>

namespace Herald {

Broadcaster::Broadcaster(Config config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_history(m_config.historySize)
{ }

Broadcaster::~Broadcaster()
{
    stop();
}

bool Broadcaster::start(QString *error)
{
    if (m_running)
        return true;

    if (!m_config.idStatePath.isEmpty() && !m_idStore) {
        IdStore store(m_config.idStatePath);
        qint64 reserved = 0;
        if (!store.load(&reserved, error) || !store.checkWritable(error))
            return false;
        m_idStore = store;
        m_lastId = m_reservedUpTo = reserved;
        m_history.startAfter(reserved);
        if (reserved > 0)
            qCInfo(lcBroadcast) << "event ids continue after" << reserved << "from" << store.path();
    }

    const int count
        = m_config.workers > 0 ? m_config.workers : std::max(1, QThread::idealThreadCount());
    DeliveryWorker::Config workerConfig;
    workerConfig.heartbeatMs = m_config.heartbeatMs;
    workerConfig.maxQueuedBytes = m_config.maxQueuedBytes;

    // Workers report closed sockets from their own thread; the bookkeeping happens here, on the
    // broadcaster's thread, queued behind whatever it is doing now. The workers are joined in
    // stop() before this object goes away.
    for (int i = 0; i < count; ++i) {
        auto worker = std::make_unique<DeliveryWorker>(
            i, workerConfig, [this](const SessionPtr &session, const QString &reason) {
                const quint64 id = session->id();
                QMetaObject::invokeMethod(
                    this, [this, id, reason] { onWorkerClosed(id, reason); }, Qt::QueuedConnection);
            });
        if (!worker->start(error))
            return false;
        m_workers.push_back(std::move(worker));
    }
    m_workerClients = QList<int>(count, 0);
    m_running = true;
    qCInfo(lcBroadcast) << "broadcaster started with" << count << "delivery workers, history"
                        << m_config.historySize;
    return true;
}

void Broadcaster::stop()
{
    if (!m_running)
        return;
    m_running = false;
    for (auto &worker : m_workers)
        worker->requestStop();
    for (auto &worker : m_workers)
        worker->stop();
    m_workers.clear();
    m_workerClients.clear();

    // The workers closed every socket; their reports can no longer arrive in order, so settle
    // the books here.
    const QList<quint64> ids = m_sessions.keys();
    m_sessions.clear();
    m_owners.clear();
    for (quint64 id : ids)
        Q_EMIT clientDisconnected(id, QStringLiteral("server shutting down"));
}

void Broadcaster::submit(std::vector<EventDraft> drafts, PublishCallback done)
{
    if (m_sequencer) {
        m_sequencer(std::move(drafts), std::move(done));
        return;
    }
    done(publishLocal(std::move(drafts)), QString());
}

std::vector<EventPtr> Broadcaster::publishLocal(std::vector<EventDraft> drafts)
{
    std::vector<EventPtr> events;
    events.reserve(drafts.size());
    if (m_idStore && m_lastId + qint64(drafts.size()) > m_reservedUpTo)
        reserveIds(m_lastId + qint64(drafts.size()));
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (const EventDraft &draft : drafts) {
        EventPtr event = Event::make(++m_lastId, draft, now);
        m_history.append(event);
        fanOut(event);
        events.push_back(std::move(event));
    }
    return events;
}

bool Broadcaster::deliver(EventPtr event)
{
    if (event->id <= m_history.newestId())
        return false;
    m_lastId = std::max(m_lastId, event->id);
    m_history.append(event);
    fanOut(event);
    return true;
}

void Broadcaster::noteKnownId(qint64 id)
{
    m_lastId = std::max(m_lastId, id);
}

void Broadcaster::reserveIds(qint64 upTo)
{
    // The file is written before any id past the old mark goes out, once per block of ids.
    // When it cannot be written the events still go out (they were accepted); only a later
    // restart may then hand out some of these ids again, which the warning says.
    const qint64 reserved = upTo + IdStore::BlockSize;
    QString error;
    if (!m_idStore->save(reserved, &error)) {
        qCWarning(lcBroadcast) << "cannot remember event ids:" << error
                               << "- after a restart ids may repeat";
    }
    m_reservedUpTo = reserved;
}

void Broadcaster::fanOut(const EventPtr &event)
{
    ++m_eventsPublished;
    // A worker without clients is not woken for nothing. A client attached to it later gets
    // this event in its replay, since the history already holds it.
    for (auto &worker : m_workers) {
        if (m_workerClients.at(worker->index()) > 0)
            worker->publish(event);
    }
    Q_EMIT eventPublished(event->id);
}

SessionPtr Broadcaster::attach(ClientInfo info, int fd, std::vector<Chunk> initial, qint64 floorId)
{
    if (m_workers.empty()) {
        ::close(fd); // stopped: nobody would ever write to it
        return nullptr;
    }
    info.node = m_config.nodeId;
    auto session = std::make_shared<ClientSession>(std::move(info));
    DeliveryWorker *worker = m_workers[size_t(pickWorker())].get();
    ++m_workerClients[worker->index()];
    m_sessions.insert(session->id(), session);
    m_owners.insert(session->id(), worker);
    ++m_clientsTotal;
    worker->attach(session, fd, std::move(initial), floorId);
    qCDebug(lcBroadcast) << "client" << session->id() << "from" << session->info().remote << "on"
                         << session->info().topics << "worker" << worker->index();
    Q_EMIT clientConnected(session->id());
    return session;
}

int Broadcaster::pickWorker() const
{
    // Workers fill one after the other instead of taking turns. A fan-out to a few thousand
    // clients takes a few milliseconds on one thread; splitting it over more threads saves
    // little of that, costs a cross-core wake-up per event, and takes the other cores from
    // whatever else runs here: the HTTP thread and console, and often the clients under test
    // themselves. Measured on two cores with the clients on the same machine, one worker gave
    // the lower latency up to 5,000 clients, two workers from 10,000 (docs/performance.md).
    const int fill = m_config.clientsPerWorker;
    if (fill > 0) {
        for (int i = 0; i < m_workerClients.size(); ++i) {
            if (m_workerClients.at(i) < fill)
                return i;
        }
    }
    int best = 0;
    for (int i = 1; i < m_workerClients.size(); ++i) {
        if (m_workerClients.at(i) < m_workerClients.at(best))
            best = i;
    }
    return best;
}

void Broadcaster::noteReplay(History::Outcome outcome, qsizetype events)
{
    if (outcome == History::Outcome::Full)
        ++m_replaysFull;
    else
        ++m_replaysGap;
    m_replayedEvents += quint64(events);
}

bool Broadcaster::close(quint64 clientId, CloseMode mode, const QString &reason)
{
    DeliveryWorker *worker = m_owners.value(clientId);
    if (!worker)
        return false;
    worker->close(clientId, mode, reason);
    return true;
}

bool Broadcaster::sendTo(quint64 clientId, const QByteArray &bytes)
{
    DeliveryWorker *worker = m_owners.value(clientId);
    if (!worker)
        return false;
    worker->send(clientId, Chunk{bytes, 0});
    return true;
}

bool Broadcaster::applyFault(quint64 clientId, StreamFault fault)
{
    DeliveryWorker *worker = m_owners.value(clientId);
    if (!worker)
        return false;
    worker->applyFault(clientId, fault);
    return true;
}

void Broadcaster::closeAll(CloseMode mode, const QString &reason)
{
    for (auto it = m_owners.cbegin(); it != m_owners.cend(); ++it)
        it.value()->close(it.key(), mode, reason);
}

void Broadcaster::onWorkerClosed(quint64 clientId, const QString &reason)
{
    if (!m_sessions.remove(clientId))
        return;
    if (DeliveryWorker *owner = m_owners.take(clientId))
        --m_workerClients[owner->index()];
    qCDebug(lcBroadcast) << "client" << clientId << "gone:" << reason;
    Q_EMIT clientDisconnected(clientId, reason);
}

BroadcastMetrics Broadcaster::metrics() const
{
    BroadcastMetrics m;
    m.clients = clientCount();
    m.clientsTotal = m_clientsTotal;
    m.eventsPublished = m_eventsPublished;
    for (const auto &worker : m_workers) {
        m.deliveries += worker->deliveries();
        m.bytesSent += worker->bytesWritten();
        m.drops += worker->drops();
        m.heartbeats += worker->heartbeats();
    }
    m.replaysFull = m_replaysFull;
    m.replaysGap = m_replaysGap;
    m.replayedEvents = m_replayedEvents;
    m.lastEventId = m_history.newestId();
    m.historySize = m_history.size();
    return m;
}

} // namespace Herald
