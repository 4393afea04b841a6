#pragma once

#include "broadcast/broadcaster.h"
#include "relay/redisconnection.h"
#include "relay/redisurl.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <map>
#include <vector>

namespace Herald {

struct RelayConfig
{
    RedisUrl url;
    QString nodeId;
    QString advertisedUrl; // this node's URL, for the others' node lists
    qint64 streamLength = 100000; // events the shared Redis stream keeps (approximately)
    QByteArray prefix = "herald"; // key prefix, so deployments can share a Redis
    int presenceIntervalMs = 1000;
};

// Connects this node's broadcaster to the others through Redis, so that every node delivers
// every event exactly once, in one order, with the same ids.
//
// - Ids: one sequence for the deployment. A Lua script takes the next ids, appends the events
//   to a capped Redis stream (entry id "N-0" for event N) and publishes them, atomically; so the
//   stream and the channel both carry events in id order. The sequence never goes back: the
//   script continues above the publishing node's newest id and the stream's last entry, and a
//   node that reconnects raises it to the newest id it knows.
// - Delivery: a node delivers only what comes back from Redis, its own events included, so an
//   event is never delivered twice; events are delivered strictly in id order, and a hole (a
//   lost link, a late start) is filled from the stream before anything after it.
// - Outage: while Redis is unreachable (or the relay is paused by a fault), publishing on this
//   node is refused with an error and nothing is accepted; clients keep their streams. After
//   the link returns, the node catches up from the stream.
// - Presence: each node announces itself every second with a short expiry; nodes() lists the
//   ones alive.
class Relay : public QObject
{
    Q_OBJECT

public:
    enum class State { Connecting, Connected, Disconnected, Paused };
    Q_ENUM(State)

    Relay(Broadcaster *broadcaster, RelayConfig config, QObject *parent = nullptr);
    ~Relay() override;

    void start();
    void stop();
    void setPaused(bool paused);

    State state() const { return m_state; }
    QString stateName() const;
    bool isCaughtUp() const { return !m_catchingUp && m_state == State::Connected; }
    // Redis came back without its id sequence, and publishing waits until the nodes known
    // before have raised it again (or a few seconds passed).
    bool isResynchronising() const;
    QJsonObject status() const;
    QByteArray metricsText() const;
    QJsonArray nodes() const { return m_nodes; }

Q_SIGNALS:
    void stateChanged(Herald::Relay::State state);
    // The node holds every event the stream had when the catch-up began.
    void caughtUp();

private:
    void sequence(std::vector<EventDraft> drafts, Broadcaster::PublishCallback done);
    void onMessage(const QByteArray &channel, const QByteArray &payload);
    void onSubscriberConnected();
    void onCommandConnected();
    void updateState();
    void catchUp();
    void readRange(qint64 from);
    void finishCatchUp();
    void abandonCatchUp(const RedisReply &reply);
    void deliverInOrder(const EventPtr &event);
    void deliverPending(bool acceptHoles);
    enum class Lag { Measure, Ignore };
    void deliverNow(const EventPtr &event, Lag lag);
    void announce();
    QByteArray key(const char *name) const;

    Broadcaster *m_broadcaster;
    RelayConfig m_config;
    RedisConnection *m_commands;
    RedisConnection *m_subscriber;
    QTimer m_presenceTimer;
    State m_state = State::Disconnected;
    bool m_started = false;
    bool m_everConnected = false; // until the first connection the state is Connecting
    bool m_paused = false;
    bool m_catchingUp = false;
    bool m_catchUpFailing = false;
    QSet<QString> m_resyncAwaiting; // nodes that have not announced themselves since
    QElapsedTimer m_resyncClock;
    std::map<qint64, EventPtr> m_pending; // arrived ahead of a hole, by id
    QJsonArray m_nodes;
    quint64 m_lastPublishedCount = 0;
    QElapsedTimer m_rateClock;
    double m_eventsPerSecond = 0;

    // Metrics.
    quint64 m_received = 0;
    quint64 m_caughtUpEvents = 0;
    quint64 m_missing = 0; // events the stream no longer had when a hole was filled
    quint64 m_publishFailures = 0;
    std::vector<qint64> m_lags; // ring of recent publish-to-delivery lags, ms
    size_t m_lagNext = 0;
    qint64 m_lastLag = 0;
    qint64 m_lagMax = 0;
};

} // namespace Herald
