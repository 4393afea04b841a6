#pragma once

#include "broadcast/clientsession.h"
#include "broadcast/deliveryworker.h"
#include "broadcast/event.h"
#include "broadcast/history.h"
#include "broadcast/idstore.h"

#include <QHash>
#include <QObject>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace Herald {

// Counters for /metrics and the console, summed over the delivery workers.
struct BroadcastMetrics
{
    int clients = 0;
    quint64 clientsTotal = 0;
    quint64 eventsPublished = 0;
    quint64 deliveries = 0;
    quint64 bytesSent = 0;
    quint64 drops = 0;
    quint64 heartbeats = 0;
    quint64 replaysFull = 0;
    quint64 replaysGap = 0;
    quint64 replayedEvents = 0;
    qint64 lastEventId = 0;
    qsizetype historySize = 0;
};

// The heart of Herald: gives events their ids, keeps the history and fans every event out to
// the stream clients of its topic through the delivery workers.
//
// Lives on one thread (the server thread); publish() and attach() must be called there. Both
// act in one step on that thread, which is what makes replay-then-live seamless: a client
// attached after event N was published got N in its replay, and gets N+1 live.
class Broadcaster : public QObject
{
    Q_OBJECT

public:
    struct Config
    {
        qsizetype historySize = 1000;
        int heartbeatMs = 15000;
        int retryMs = 3000;
        qint64 maxQueuedBytes = 1 << 20;
        int workers = 0; // 0: one per core
        // Stream clients a delivery worker takes before the next worker gets any; once every
        // worker has this many, each new client goes to the one with the fewest. 0 spreads
        // clients evenly from the first one. See Broadcaster::pickWorker() for why.
        int clientsPerWorker = 5000;
        QString nodeId;
        // Where a standalone node remembers how far its ids went (IdStore); empty: ids start at
        // 1 on every start. The relay takes ids from Redis and needs none.
        QString idStatePath;
    };

    // Assigns ids to drafts. The default counts up locally; the relay installs one that takes
    // ids from the whole deployment. It answers through the callback, at once or later.
    using PublishCallback = std::function<void(std::vector<EventPtr> events, QString error)>;
    using Sequencer = std::function<void(std::vector<EventDraft> drafts, PublishCallback done)>;

    explicit Broadcaster(Config config, QObject *parent = nullptr);
    ~Broadcaster() override;

    bool start(QString *error);
    // Closes every stream with a flush so clients reconnect (elsewhere), then stops the workers.
    void stop();

    const Config &config() const { return m_config; }
    // Names this node in client records; set before clients attach.
    void setNodeId(const QString &nodeId) { m_config.nodeId = nodeId; }
    const History &history() const { return m_history; }

    // Publishes through the sequencer; done gets the stored events (or an error, and then no
    // event reached anyone).
    void submit(std::vector<EventDraft> drafts, PublishCallback done);
    // Local sequencing: ids from this node's counter. Returns the events as stored.
    std::vector<EventPtr> publishLocal(std::vector<EventDraft> drafts);
    // Stores and fans out an event whose id was given elsewhere (the relay). Events at or below
    // the newest id are ignored, so an echo never delivers twice. Returns whether it was new.
    bool deliver(EventPtr event);

    void setSequencer(Sequencer sequencer) { m_sequencer = std::move(sequencer); }
    // Notes that an event with this id exists somewhere in the deployment (the relay learns of
    // them before they arrive here); the local counter continues above it.
    void noteKnownId(qint64 id);
    // The newest id known to exist: the history's newest, or more when this node is behind.
    qint64 knownNewestId() const { return m_lastId; }

    quint64 nextClientId() { return ++m_lastClientId; }
    // Hands a stream socket to a delivery worker; initial chunks go out before anything live,
    // and no event at or below floorId (what the client has already) is sent to it live.
    SessionPtr attach(ClientInfo info, int fd, std::vector<Chunk> initial, qint64 floorId = 0);
    void noteReplay(History::Outcome outcome, qsizetype events);

    bool close(quint64 clientId, CloseMode mode, const QString &reason);
    bool sendTo(quint64 clientId, const QByteArray &bytes);
    bool applyFault(quint64 clientId, StreamFault fault);
    void closeAll(CloseMode mode, const QString &reason);

    SessionPtr session(quint64 clientId) const { return m_sessions.value(clientId); }
    QList<SessionPtr> sessions() const { return m_sessions.values(); }
    int clientCount() const { return int(m_sessions.size()); }
    // Stream clients each delivery worker holds, by worker index.
    QList<int> workerClients() const { return m_workerClients; }
    BroadcastMetrics metrics() const;

Q_SIGNALS:
    void clientConnected(quint64 clientId);
    void clientDisconnected(quint64 clientId, const QString &reason);
    void eventPublished(qint64 id);

private:
    void onWorkerClosed(quint64 clientId, const QString &reason);
    void reserveIds(qint64 upTo);
    void fanOut(const EventPtr &event);
    int pickWorker() const;

    Config m_config;
    History m_history;
    std::vector<std::unique_ptr<DeliveryWorker>> m_workers;
    QHash<quint64, SessionPtr> m_sessions;
    QHash<quint64, DeliveryWorker *> m_owners;
    // Clients attached to each worker and not yet reported closed; an upper bound, since a
    // worker reports a close a little later.
    QList<int> m_workerClients;
    Sequencer m_sequencer;
    qint64 m_lastId = 0;
    std::optional<IdStore> m_idStore;
    qint64 m_reservedUpTo = 0;
    quint64 m_lastClientId = 0;
    bool m_running = false;

    quint64 m_clientsTotal = 0;
    quint64 m_eventsPublished = 0;
    quint64 m_replaysFull = 0;
    quint64 m_replaysGap = 0;
    quint64 m_replayedEvents = 0;
};

} // namespace Herald
