#include "relay/relay.h"

#include "logging.h"

#include <QDateTime>
#include <QEventLoop>
#include <QJsonDocument>

#include <algorithm>

namespace Herald {

namespace {

constexpr int CatchUpBatch = 500;
constexpr size_t LagSamples = 1024;
constexpr int LeaveTimeoutMs = 500; // how long stopping waits for Redis to drop our entry
constexpr int CatchUpRetryMs = 200; // after a catch-up failed with the links still up
// After Redis lost the sequence, how long to wait for the other nodes to raise it again: longer
// than their longest reconnect backoff (5 s) plus an attempt.
constexpr int ResyncTimeoutMs = 6000;

// KEYS: sequence, stream. ARGV: floor, stream length, channel, node, time (ms), then topic,
// type, data and retry ("" for none) per event. Returns the first id taken.
const QByteArray publishScript = R"lua(
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if seq < floor then seq = floor end
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last > 0 then
  local lastId = tonumber(string.match(last[1][1], '^(%d+)'))
  if lastId > seq then seq = lastId end
end
local first = seq + 1
local count = (#ARGV - 5) / 4
for i = 0, count - 1 do
  seq = seq + 1
  local b = 6 + i * 4
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], string.format('%d-0', seq),
             'topic', ARGV[b], 'event', ARGV[b + 1], 'data', ARGV[b + 2], 'retry', ARGV[b + 3],
             'node', ARGV[4], 't', ARGV[5])
  redis.call('PUBLISH', ARGV[3], cjson.encode({id = string.format('%d', seq), topic = ARGV[b],
             event = ARGV[b + 1], data = ARGV[b + 2], retry = ARGV[b + 3], node = ARGV[4],
             t = ARGV[5]}))
end
redis.call('SET', KEYS[1], string.format('%d', seq))
return first
)lua";

// KEYS: sequence. ARGV: an id this node knows. Raises the sequence to it, never lowers it.
const QByteArray floorScript = R"lua(
local seq = tonumber(redis.call('GET', KEYS[1]) or '0')
if seq < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return seq
)lua";

EventPtr eventFrom(qint64 id, const QByteArray &topic, const QByteArray &type,
                   const QByteArray &data, const QByteArray &retry, qint64 publishedAtMs)
{
    EventDraft draft;
    draft.topic = QString::fromUtf8(topic);
    draft.type = type;
    draft.data = data;
    bool ok = false;
    const int retryMs = retry.toInt(&ok);
    if (ok && retryMs >= 0)
        draft.retryMs = retryMs;
    return Event::make(id, draft, publishedAtMs);
}

// A stream entry: ["N-0", [field, value, ...]].
EventPtr eventFromEntry(const RedisReply &entry)
{
    if (!entry.isArray() || entry.elements.size() != 2 || !entry.elements[1].isArray())
        return nullptr;
    const qint64 id = entry.elements[0].str.split('-').constFirst().toLongLong();
    QByteArray topic, type, data, retry, time;
    const QList<RedisReply> &fields = entry.elements[1].elements;
    for (qsizetype i = 0; i + 1 < fields.size(); i += 2) {
        const QByteArray &name = fields[i].str;
        const QByteArray &value = fields[i + 1].str;
        if (name == "topic")
            topic = value;
        else if (name == "event")
            type = value;
        else if (name == "data")
            data = value;
        else if (name == "retry")
            retry = value;
        else if (name == "t")
            time = value;
    }
    if (id <= 0 || topic.isEmpty())
        return nullptr;
    return eventFrom(id, topic, type, data, retry, time.toLongLong());
}

} // namespace

Relay::Relay(Broadcaster *broadcaster, RelayConfig config, QObject *parent)
    : QObject(parent)
    , m_broadcaster(broadcaster)
    , m_config(std::move(config))
    , m_commands(new RedisConnection(RedisConnection::Mode::Command, this))
    , m_subscriber(new RedisConnection(RedisConnection::Mode::Subscriber, this))
{
    m_lags.reserve(LagSamples);
    connect(m_commands, &RedisConnection::connected, this, &Relay::onCommandConnected);
    connect(m_commands, &RedisConnection::stateChanged, this, &Relay::updateState);
    connect(m_subscriber, &RedisConnection::connected, this, &Relay::onSubscriberConnected);
    connect(m_subscriber, &RedisConnection::stateChanged, this, &Relay::updateState);
    connect(m_subscriber, &RedisConnection::message, this, &Relay::onMessage);
    connect(&m_presenceTimer, &QTimer::timeout, this, &Relay::announce);
}

Relay::~Relay()
{
    stop();
}

QByteArray Relay::key(const char *name) const
{
    return m_config.prefix + ':' + name;
}

void Relay::start()
{
    if (m_started)
        return;
    m_started = true;
    m_broadcaster->setSequencer(
        [this](std::vector<EventDraft> drafts, Broadcaster::PublishCallback done) {
            sequence(std::move(drafts), std::move(done));
        });
    qCInfo(lcRelay) << "relaying through" << m_config.url.toDisplayString() << "as node"
                    << m_config.nodeId;
    m_subscriber->subscribe({key("events")});
    m_subscriber->open(m_config.url);
    m_commands->open(m_config.url);
    m_rateClock.start();
    m_presenceTimer.start(m_config.presenceIntervalMs);
    updateState();
}

void Relay::stop()
{
    if (!m_started)
        return;
    m_started = false;
    m_presenceTimer.stop();
    // Publishes that still arrive while the node stops are refused, not numbered locally: a
    // local id would collide with the deployment's sequence.
    m_broadcaster->setSequencer([](std::vector<EventDraft>, Broadcaster::PublishCallback done) {
        done({}, QStringLiteral("this node is shutting down: the event was not accepted"));
    });
    // Leave the node list at once rather than when the entry expires. Closing the connection
    // drops what hiredis has not sent yet, so wait (briefly) for Redis to answer.
    if (m_commands->isConnected()) {
        QEventLoop wait;
        QTimer::singleShot(LeaveTimeoutMs, &wait, &QEventLoop::quit);
        m_commands->command({"DEL", key("node:") + m_config.nodeId.toUtf8()});
        m_commands->command({"SREM", key("nodes"), m_config.nodeId.toUtf8()},
                            [&wait](const RedisReply &) { wait.quit(); });
        wait.exec(QEventLoop::ExcludeUserInputEvents);
    }
    m_subscriber->close();
    m_commands->close();
    updateState();
}

void Relay::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    qCInfo(lcRelay) << (paused ? "relay paused" : "relay resumed");
    updateState();
    // What was published elsewhere during the pause comes from the stream.
    if (!paused && m_subscriber->isConnected())
        catchUp();
}

bool Relay::isResynchronising() const
{
    return !m_resyncAwaiting.isEmpty() && m_resyncClock.isValid()
        && m_resyncClock.elapsed() < ResyncTimeoutMs;
}

QString Relay::stateName() const
{
    switch (m_state) {
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Connected:
        return QStringLiteral("connected");
    case State::Disconnected:
        return QStringLiteral("disconnected");
    case State::Paused:
        return QStringLiteral("paused");
    }
    return {};
}

void Relay::updateState()
{
    State next;
    if (!m_started)
        next = State::Disconnected;
    else if (m_paused)
        next = State::Paused;
    else if (m_commands->isConnected() && m_subscriber->isConnected())
        next = State::Connected;
    else if (!m_everConnected)
        next = State::Connecting;
    else
        next = State::Disconnected;

    if (next == m_state)
        return;
    m_state = next;
    if (next == State::Connected)
        m_everConnected = true;
    if (next == State::Disconnected && m_started)
        qCWarning(lcRelay) << "lost Redis; publishing on this node is refused until it returns:"
                           << (m_commands->lastError().isEmpty() ? m_subscriber->lastError()
                                                                 : m_commands->lastError());
    else
        qCInfo(lcRelay) << "relay" << stateName();
    Q_EMIT stateChanged(next);
}

void Relay::onCommandConnected()
{
    // After Redis restarts empty, the sequence must not start again below what we have seen.
    const qint64 newest = m_broadcaster->history().newestId();
    QSet<QString> others;
    for (const QJsonValue &node : std::as_const(m_nodes)) {
        const QString id = node.toObject().value(QLatin1String("id")).toString();
        if (id != m_config.nodeId)
            others.insert(id);
    }
    m_commands->command({"EVAL", floorScript, "1", key("seq"), QByteArray::number(newest)},
                        [this, newest, others](const RedisReply &reply) {
                            // The sequence was behind us: Redis lost it. The other nodes may
                            // have handed out more ids than we know of; until each has raised
                            // the sequence again (it does before it announces itself), numbering
                            // events here could reuse theirs.
                            if (!reply.isInteger() || reply.integer >= newest || others.isEmpty())
                                return;
                            m_resyncAwaiting = others;
                            m_resyncClock.start();
                            qCInfo(lcRelay) << "Redis lost the id sequence; publishing waits for"
                                            << others.size() << "other node(s) to return";
                        });
    announce();
    // The stream can only be read on this link: when it comes back after the subscriber's,
    // the catch-up that one asked for could not run, and the hole is filled now.
    if (!m_paused && m_subscriber->isConnected())
        catchUp();
}

void Relay::onSubscriberConnected()
{
    // Anything published while we were not subscribed is in the stream.
    if (!m_paused)
        catchUp();
}

void Relay::sequence(std::vector<EventDraft> drafts, Broadcaster::PublishCallback done)
{
    if (m_paused) {
        done({}, QStringLiteral("the relay is paused (a fault): the event was not accepted"));
        return;
    }
    if (isResynchronising()) {
        done({},
             QStringLiteral("Redis lost the id sequence and the other nodes have not all "
                            "returned yet: the event was not accepted; publish again in a "
                            "few seconds"));
        return;
    }
    if (!m_commands->isConnected()) {
        done({},
             QStringLiteral("not connected to Redis (%1): the event was not accepted; "
                            "publish again later")
                 .arg(m_commands->lastError().isEmpty() ? QStringLiteral("connecting")
                                                        : m_commands->lastError()));
        return;
    }

    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    QList<QByteArray> argv = {"EVAL",
                              publishScript,
                              "2",
                              key("seq"),
                              key("stream"),
                              QByteArray::number(m_broadcaster->history().newestId()),
                              QByteArray::number(m_config.streamLength),
                              key("events"),
                              m_config.nodeId.toUtf8(),
                              QByteArray::number(now)};
    for (const EventDraft &draft : drafts) {
        argv << draft.topic.toUtf8() << draft.type << draft.data
             << (draft.retryMs ? QByteArray::number(*draft.retryMs) : QByteArray(""));
    }

    m_commands->command(
        argv,
        [this, drafts = std::move(drafts), done = std::move(done), now](const RedisReply &reply) {
            if (!reply.isInteger()) {
                ++m_publishFailures;
                // A reply lost with the link leaves the outcome unknown: say so.
                const bool lost = reply.str.startsWith("disconnected");
                done({},
                     lost ? QStringLiteral("lost the link to Redis while publishing: the event "
                                           "may or may not have been accepted")
                          : QStringLiteral("Redis refused the event: %1")
                                .arg(QString::fromUtf8(reply.str)));
                return;
            }
            // The events are delivered here, as everywhere, when they come back from Redis.
            std::vector<EventPtr> events;
            for (size_t i = 0; i < drafts.size(); ++i)
                events.push_back(Event::make(reply.integer + qint64(i), drafts[i], now));
            m_broadcaster->noteKnownId(reply.integer + qint64(drafts.size()) - 1);
            done(std::move(events), QString());
        });
}

void Relay::onMessage(const QByteArray &channel, const QByteArray &payload)
{
    Q_UNUSED(channel);
    if (m_paused)
        return; // caught up from the stream on resume
    const QJsonObject object = QJsonDocument::fromJson(payload).object();
    const qint64 id = object.value(QLatin1String("id")).toString().toLongLong();
    if (id <= 0) {
        qCWarning(lcRelay) << "ignoring a malformed relay message";
        return;
    }
    ++m_received;
    m_broadcaster->noteKnownId(id);
    const EventPtr event = eventFrom(id, object.value(QLatin1String("topic")).toString().toUtf8(),
                                     object.value(QLatin1String("event")).toString().toUtf8(),
                                     object.value(QLatin1String("data")).toString().toUtf8(),
                                     object.value(QLatin1String("retry")).toString().toUtf8(),
                                     object.value(QLatin1String("t")).toString().toLongLong());
    deliverInOrder(event);
}

void Relay::deliverInOrder(const EventPtr &event)
{
    const qint64 expected = m_broadcaster->history().newestId() + 1;
    if (event->id < expected)
        return; // already delivered (from the stream during a catch-up)
    if (event->id == expected && !m_catchingUp) {
        deliverNow(event, Lag::Measure);
        deliverPending(false);
        return;
    }
    // Ahead of a hole: keep it until the hole is filled from the stream.
    m_pending.emplace(event->id, event);
    if (!m_catchingUp)
        catchUp();
}

void Relay::deliverNow(const EventPtr &event, Lag lag)
{
    if (!m_broadcaster->deliver(event) || lag == Lag::Ignore)
        return;
    // Only events that came over the channel say how far behind the relay runs; one read from
    // the stream after a late start or an outage is as old as the outage, not a lag.
    m_lastLag = std::max<qint64>(0, QDateTime::currentMSecsSinceEpoch() - event->publishedAtMs);
    m_lagMax = std::max(m_lagMax, m_lastLag);
    if (m_lags.size() < LagSamples)
        m_lags.push_back(m_lastLag);
    else
        m_lags[m_lagNext] = m_lastLag;
    m_lagNext = (m_lagNext + 1) % LagSamples;
}

void Relay::deliverPending(bool acceptHoles)
{
    while (!m_pending.empty()) {
        auto first = m_pending.begin();
        const qint64 expected = m_broadcaster->history().newestId() + 1;
        if (first->first < expected) {
            m_pending.erase(first);
            continue;
        }
        if (first->first > expected) {
            if (!acceptHoles)
                return;
            // The stream no longer has what is missing: count it and go on.
            m_missing += quint64(first->first - expected);
            qCWarning(lcRelay) << "events" << expected << "to" << first->first - 1
                               << "are gone from the shared stream; skipping them";
        }
        deliverNow(first->second, Lag::Measure);
        m_pending.erase(first);
    }
}

void Relay::catchUp()
{
    if (m_catchingUp || !m_commands->isConnected())
        return;
    m_catchingUp = true;

    const qint64 newest = m_broadcaster->history().newestId();
    if (newest == 0 && m_broadcaster->history().capacity() > 0) {
        // A node that starts late serves the latest events as history: take as many as it keeps.
        const QByteArray count = QByteArray::number(m_broadcaster->history().capacity());
        m_commands->command({"XREVRANGE", key("stream"), "+", "-", "COUNT", count},
                            [this](const RedisReply &reply) {
                                if (reply.isArray()) {
                                    for (auto it = reply.elements.crbegin();
                                         it != reply.elements.crend(); ++it) {
                                        if (const EventPtr event = eventFromEntry(*it)) {
                                            ++m_caughtUpEvents;
                                            deliverNow(event, Lag::Ignore);
                                        }
                                    }
                                    finishCatchUp();
                                    return;
                                }
                                abandonCatchUp(reply);
                            });
        return;
    }
    readRange(newest + 1);
}

void Relay::readRange(qint64 from)
{
    const QByteArray start = QByteArray::number(from) + "-0";
    m_commands->command(
        {"XRANGE", key("stream"), start, "+", "COUNT", QByteArray::number(CatchUpBatch)},
        [this, from](const RedisReply &reply) {
            if (!reply.isArray()) {
                abandonCatchUp(reply);
                return;
            }
            qint64 last = from - 1;
            for (const RedisReply &entry : reply.elements) {
                const EventPtr event = eventFromEntry(entry);
                if (!event)
                    continue;
                const qint64 expected = m_broadcaster->history().newestId() + 1;
                if (event->id > expected) {
                    m_missing += quint64(event->id - expected);
                    qCWarning(lcRelay) << "events" << expected << "to" << event->id - 1
                                       << "are gone from the shared stream; skipping them";
                }
                ++m_caughtUpEvents;
                deliverNow(event, Lag::Ignore);
                last = event->id;
            }
            if (reply.elements.size() == CatchUpBatch)
                readRange(last + 1);
            else
                finishCatchUp();
        });
}

void Relay::abandonCatchUp(const RedisReply &reply)
{
    // The stream could not be read (most often the link dropped half-way). What is missing is
    // still in Redis: keep what arrived ahead of the hole pending and try again when the link
    // is back, instead of writing the hole off.
    m_catchingUp = false;
    if (!m_catchUpFailing) // once per failing spell, not once per attempt
        qCInfo(lcRelay) << "catch-up interrupted:" << reply.str << "- trying again";
    m_catchUpFailing = true;
    if (m_commands->isConnected() && m_subscriber->isConnected() && !m_paused)
        QTimer::singleShot(CatchUpRetryMs, this, [this] {
            if (m_started && !m_paused && m_subscriber->isConnected())
                catchUp();
        });
}

void Relay::finishCatchUp()
{
    m_catchingUp = false;
    m_catchUpFailing = false;
    // Everything the stream had is in; what is still pending came after it.
    deliverPending(true);
    Q_EMIT caughtUp();
}

void Relay::announce()
{
    if (!m_commands->isConnected())
        return;

    const BroadcastMetrics metrics = m_broadcaster->metrics();
    const double seconds = std::max<qint64>(1, m_rateClock.restart()) / 1000.0;
    m_eventsPerSecond = double(metrics.eventsPublished - m_lastPublishedCount) / seconds;
    m_lastPublishedCount = metrics.eventsPublished;

    const QJsonObject self{
        {QStringLiteral("id"), m_config.nodeId},
        {QStringLiteral("url"), m_config.advertisedUrl},
        {QStringLiteral("clients"), metrics.clients},
        {QStringLiteral("eventsPerSecond"), m_eventsPerSecond},
        {QStringLiteral("lastEventId"), QString::number(metrics.lastEventId)},
        {QStringLiteral("relayLagMs"), double(m_lastLag)},
        {QStringLiteral("seenAt"), QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}};
    const QByteArray nodeKey = key("node:") + m_config.nodeId.toUtf8();
    const QByteArray ttl = QByteArray::number(m_config.presenceIntervalMs * 3);
    m_commands->command(
        {"SET", nodeKey, QJsonDocument(self).toJson(QJsonDocument::Compact), "PX", ttl});
    m_commands->command({"SADD", key("nodes"), m_config.nodeId.toUtf8()});

    // Read the list back: members whose entry expired have gone away.
    m_commands->command({"SMEMBERS", key("nodes")}, [this](const RedisReply &members) {
        if (!members.isArray() || members.elements.isEmpty())
            return;
        QList<QByteArray> argv = {"MGET"};
        QList<QByteArray> ids;
        for (const RedisReply &member : members.elements) {
            argv.append(key("node:") + member.str);
            ids.append(member.str);
        }
        m_commands->command(argv, [this, ids](const RedisReply &values) {
            if (!values.isArray())
                return;
            QJsonArray alive;
            for (qsizetype i = 0; i < values.elements.size() && i < ids.size(); ++i) {
                if (values.elements[i].isNil()) {
                    m_commands->command({"SREM", key("nodes"), ids[i]});
                    continue;
                }
                if (m_resyncAwaiting.remove(QString::fromUtf8(ids[i]))
                    && m_resyncAwaiting.isEmpty())
                    qCInfo(lcRelay) << "every node is back: publishing again";
                const QJsonObject node = QJsonDocument::fromJson(values.elements[i].str).object();
                m_broadcaster->noteKnownId(
                    node.value(QLatin1String("lastEventId")).toString().toLongLong());
                alive.append(node);
            }
            m_nodes = alive;
        });
    });
}

QJsonObject Relay::status() const
{
    QJsonObject object{
        {QStringLiteral("state"), stateName()},
        {QStringLiteral("redis"), m_config.url.toDisplayString()},
        {QStringLiteral("node"), m_config.nodeId},
        {QStringLiteral("reconnects"), m_commands->reconnects() + m_subscriber->reconnects()},
        {QStringLiteral("lagMaxMs"), double(m_lagMax)},
        {QStringLiteral("catchingUp"), m_catchingUp},
        {QStringLiteral("nodes"), m_nodes.size()}};
    const QString error
        = m_commands->lastError().isEmpty() ? m_subscriber->lastError() : m_commands->lastError();
    if (m_state != State::Connected && !error.isEmpty())
        object.insert(QStringLiteral("lastError"), error);
    return object;
}

QByteArray Relay::metricsText() const
{
    std::vector<qint64> sorted = m_lags;
    std::sort(sorted.begin(), sorted.end());
    auto quantile = [&sorted](double q) -> qint64 {
        if (sorted.empty())
            return 0;
        return sorted[std::min(sorted.size() - 1, size_t(q * double(sorted.size())))];
    };

    QByteArray out;
    out += "# HELP herald_relay_connected Whether the Redis relay is up (1) or not (0).\n"
           "# TYPE herald_relay_connected gauge\n";
    out += "herald_relay_connected " + QByteArray(m_state == State::Connected ? "1" : "0") + '\n';
    out += "# HELP herald_relay_reconnects_total Times a Redis link came back after a loss.\n"
           "# TYPE herald_relay_reconnects_total counter\n";
    out += "herald_relay_reconnects_total "
        + QByteArray::number(m_commands->reconnects() + m_subscriber->reconnects()) + '\n';
    out += "# HELP herald_relay_lag_ms Publish-to-delivery lag of relayed events, recent ones.\n"
           "# TYPE herald_relay_lag_ms summary\n";
    out += "herald_relay_lag_ms{quantile=\"0.5\"} " + QByteArray::number(quantile(0.5)) + '\n';
    out += "herald_relay_lag_ms{quantile=\"0.99\"} " + QByteArray::number(quantile(0.99)) + '\n';
    out += "herald_relay_lag_ms_max " + QByteArray::number(m_lagMax) + '\n';
    out += "# HELP herald_relay_events_received_total Events received from the channel.\n"
           "# TYPE herald_relay_events_received_total counter\n";
    out += "herald_relay_events_received_total " + QByteArray::number(m_received) + '\n';
    out += "# HELP herald_relay_caught_up_events_total Events read from the stream to fill holes.\n"
           "# TYPE herald_relay_caught_up_events_total counter\n";
    out += "herald_relay_caught_up_events_total " + QByteArray::number(m_caughtUpEvents) + '\n';
    out += "# HELP herald_relay_missing_events_total Events gone from the stream before this node "
           "got them.\n# TYPE herald_relay_missing_events_total counter\n";
    out += "herald_relay_missing_events_total " + QByteArray::number(m_missing) + '\n';
    out += "# HELP herald_relay_publish_failures_total Publishes Redis did not accept.\n"
           "# TYPE herald_relay_publish_failures_total counter\n";
    out += "herald_relay_publish_failures_total " + QByteArray::number(m_publishFailures) + '\n';
    return out;
}

} // namespace Herald
