#include "redisconnection.h"

#include "logging.h"
#include "redisadapter.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QPointer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <memory>

#include <signal.h>
#include <utility>
#include <vector>

namespace Herald {

// Life of one hiredis context, from redisAsyncConnect() until hiredis frees it. hiredis holds
// pointers to it (ac->data, the privdata of subscriptions, of every Pending), so it lives exactly
// as long as the context: sessionCleanup() deletes it from the adapter's cleanup hook. The
// connection may let go of it earlier (close, reopen, destruction): owner is then null and
// whatever hiredis still delivers is dropped (or, for command callbacks, answered with an error).
//
// Invariants: session->owner == connection exactly when connection->m_session == session;
// session->former == connection exactly when connection->m_released holds session.
struct RedisConnection::Session
{
    redisAsyncContext *context = nullptr;
    RedisConnection *owner = nullptr;
    RedisConnection *former = nullptr; // let go by it, still being freed (callbacks may follow)
    bool freeing = false; // hiredis frees the context now or after the current callback
    bool ready = false; // AUTH and SELECT went through
    bool dropCallbacks = false; // the owner is being destroyed: don't call user code
    QString reason; // why the context ends, when we know better than hiredis
};

// The privdata of one command: hiredis calls replyCallback() exactly once for it, with the reply
// or, when the context is freed first, with none.
struct RedisConnection::Pending
{
    Session *session;
    Step step;
    Callback callback;
};

namespace {

RedisReply fromHiredis(const redisReply *reply)
{
    RedisReply out;
    switch (reply->type) {
    case REDIS_REPLY_STRING:
        out.type = RedisReply::Type::String;
        out.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_STATUS:
        out.type = RedisReply::Type::Status;
        out.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_ERROR:
        out.type = RedisReply::Type::Error;
        out.str = QByteArray(reply->str, qsizetype(reply->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = RedisReply::Type::Integer;
        out.integer = reply->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = RedisReply::Type::Array;
        out.elements.reserve(qsizetype(reply->elements));
        for (size_t i = 0; i < reply->elements; ++i) {
            if (reply->element[i])
                out.elements.append(fromHiredis(reply->element[i]));
            else
                out.elements.append(RedisReply());
        }
        break;
    case REDIS_REPLY_NIL:
    default:
        break;
    }
    return out;
}

QString contextError(const redisAsyncContext *context)
{
    if (!context || context->c.err == 0)
        return {};
    return QString::fromLocal8Bit(context->c.errstr);
}

// Commands that put hiredis into a mode where replies no longer match callbacks one to one.
bool changesReplyMode(const QByteArray &name)
{
    static const char *const refused[]
        = {"SUBSCRIBE",    "PSUBSCRIBE",   "SSUBSCRIBE", "UNSUBSCRIBE",
           "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR"};
    const QByteArray upper = name.toUpper();
    return std::any_of(std::begin(refused), std::end(refused),
                       [&](const char *command) { return upper == command; });
}

// hiredis 0.14 writes with write(2): a server that went away would kill the process with
// SIGPIPE. Ignore it process-wide, once, as Qt's own sockets do, unless someone handles it.
void ignoreSigpipe()
{
    static const bool done = [] {
        struct sigaction current = {};
        if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
            struct sigaction ignore = {};
            ignore.sa_handler = SIG_IGN;
            ::sigaction(SIGPIPE, &ignore, nullptr);
        }
        return true;
    }();
    Q_UNUSED(done);
}

QByteArray notConnected()
{
    return QByteArrayLiteral("not connected");
}

} // namespace

RedisReply RedisReply::error(const QByteArray &message)
{
    RedisReply reply;
    reply.type = Type::Error;
    reply.str = message;
    return reply;
}

RedisConnection::RedisConnection(QObject *parent)
    : RedisConnection(Mode::Command, parent)
{ }

RedisConnection::RedisConnection(Mode mode, QObject *parent)
    : QObject(parent)
    , m_mode(mode)
    , m_retryTimer(this)
    , m_attemptTimer(this)
{
    m_retryTimer.setSingleShot(true);
    m_attemptTimer.setSingleShot(true);
    m_attemptTimer.setInterval(5000);
    connect(&m_retryTimer, &QTimer::timeout, this, &RedisConnection::startAttempt);
    connect(&m_attemptTimer, &QTimer::timeout, this, &RedisConnection::attemptTimedOut);
}

RedisConnection::~RedisConnection()
{
    abortLookup();
    m_retryTimer.stop();
    m_attemptTimer.stop();
    // Frees the context now, or right after the hiredis callback we are being deleted from.
    releaseSession(QStringLiteral("connection destroyed"), true);
    // Contexts let go by close() or open() that hiredis is still freeing: their remaining
    // callbacks must not run anymore either.
    for (Session *session : std::as_const(m_released)) {
        session->former = nullptr;
        session->dropCallbacks = true;
    }
}

bool RedisConnection::isConnected() const
{
    return m_state == State::Connected && m_session && !m_session->freeing;
}

void RedisConnection::setReconnectDelays(int initialMs, int maxMs)
{
    m_initialDelay = std::max(1, initialMs);
    m_maxDelay = std::max(m_initialDelay, maxMs);
    m_delay = m_initialDelay;
}

void RedisConnection::setConnectTimeout(int ms)
{
    m_attemptTimer.setInterval(std::max(1, ms));
}

void RedisConnection::open(const RedisUrl &url)
{
    const quint64 generation = ++m_generation;
    close();
    if (generation + 1 != m_generation)
        return; // reopened or closed again from a callback run by close()
    m_url = url;
    m_delay = m_initialDelay;
    m_attempts = 0;
    m_reconnects = 0;
    m_everConnected = false;
    m_lastError.clear();
    QPointer<RedisConnection> self(this);
    setState(State::Connecting);
    if (!self || generation + 1 != m_generation)
        return;
    startAttempt();
}

void RedisConnection::close()
{
    const quint64 generation = ++m_generation;
    abortLookup();
    m_retryTimer.stop();
    m_attemptTimer.stop();
    m_unconfirmed.clear();
    const bool wasConnected = m_state == State::Connected;
    QPointer<RedisConnection> self(this);
    // Pending callbacks get their error here, or after the hiredis callback we are in.
    releaseSession(QStringLiteral("connection closed"), false);
    if (!self || generation != m_generation)
        return;
    setState(State::Disconnected);
    if (!self || generation != m_generation)
        return;
    if (wasConnected)
        emit disconnected(QStringLiteral("connection closed"));
}

void RedisConnection::command(const QList<QByteArray> &argv, Callback callback)
{
    QByteArray refusal;
    if (argv.isEmpty()) {
        refusal = QByteArrayLiteral("empty command");
    } else if (m_mode == Mode::Subscriber) {
        refusal = QByteArrayLiteral("commands are not supported on a subscriber connection");
    } else if (changesReplyMode(argv.first())) {
        refusal = argv.first().toUpper()
            + QByteArrayLiteral(" is not supported here: use a subscriber connection");
    } else if (!isConnected()) {
        refusal = notConnected();
    } else if (send(m_session, argv, Step::User, callback)) {
        return;
    } else {
        refusal = notConnected();
    }
    qCDebug(lcRelay, "command %s refused: %s", argv.value(0).constData(), refusal.constData());
    if (callback)
        callback(RedisReply::error(refusal));
}

void RedisConnection::subscribe(const QList<QByteArray> &channels)
{
    if (m_mode != Mode::Subscriber) {
        qCWarning(lcRelay, "subscribe() ignored: not a subscriber connection");
        return;
    }
    QList<QByteArray> fresh;
    for (const QByteArray &channel : channels) {
        if (!m_channels.contains(channel) && !fresh.contains(channel))
            fresh.append(channel);
    }
    if (fresh.isEmpty())
        return;
    m_channels += fresh;
    if (m_session && m_session->ready && !m_session->freeing) {
        if (m_state != State::Connected)
            m_unconfirmed += fresh;
        sendSubscribe(fresh);
    }
}

void RedisConnection::unsubscribe(const QList<QByteArray> &channels)
{
    if (m_mode != Mode::Subscriber) {
        qCWarning(lcRelay, "unsubscribe() ignored: not a subscriber connection");
        return;
    }
    QList<QByteArray> gone;
    for (const QByteArray &channel : channels) {
        if (m_channels.removeAll(channel) > 0)
            gone.append(channel);
        m_unconfirmed.removeAll(channel);
    }
    if (gone.isEmpty() || !m_session || !m_session->ready || m_session->freeing)
        return;
    std::vector<const char *> args{"UNSUBSCRIBE"};
    std::vector<size_t> lengths{11};
    for (const QByteArray &channel : std::as_const(gone)) {
        args.push_back(channel.constData());
        lengths.push_back(size_t(channel.size()));
    }
    // No callback: hiredis routes the confirmations to the channels' subscription callback.
    redisAsyncCommandArgv(m_session->context, nullptr, nullptr, int(args.size()), args.data(),
                          lengths.data());
    if (m_state != State::Connected && m_session->ready && m_unconfirmed.isEmpty())
        becomeConnected();
}

void RedisConnection::startAttempt()
{
    if (m_session || m_lookupId != -1)
        return;
    ++m_attempts;
    qCDebug(lcRelay, "connecting to %s (attempt %d)", qUtf8Printable(m_url.toDisplayString()),
            m_attempts);
    m_attemptTimer.start();
    if (!QHostAddress(m_url.host).isNull()) {
        connectTo(m_url.host);
        return;
    }
    // hiredis would resolve with a blocking getaddrinfo() on the event loop's thread.
    m_lookupId = QHostInfo::lookupHost(m_url.host, this, &RedisConnection::hostResolved);
}

void RedisConnection::hostResolved(const QHostInfo &info)
{
    if (info.lookupId() != m_lookupId)
        return;
    m_lookupId = -1;
    QList<QHostAddress> addresses = info.addresses();
    if (info.error() != QHostInfo::NoError || addresses.isEmpty()) {
        attemptFailed(QStringLiteral("cannot resolve %1: %2").arg(m_url.host, info.errorString()));
        return;
    }
    // IPv4 first: "localhost" often lists ::1 first while Redis listens on 127.0.0.1 only.
    std::stable_partition(addresses.begin(), addresses.end(), [](const QHostAddress &address) {
        return address.protocol() == QAbstractSocket::IPv4Protocol;
    });
    connectTo(addresses.first().toString());
}

void RedisConnection::connectTo(const QString &address)
{
    ignoreSigpipe();
    redisAsyncContext *context = redisAsyncConnect(address.toLatin1().constData(), m_url.port);
    if (!context) {
        attemptFailed(QStringLiteral("cannot allocate a hiredis context"));
        return;
    }
    if (context->err) {
        const QString reason = contextError(context);
        redisAsyncFree(context); // no adapter yet, no callbacks: freed right here
        attemptFailed(reason);
        return;
    }
    redisEnableKeepAlive(&context->c);

    auto *session = new Session;
    session->context = context;
    session->owner = this;
    context->data = session;
    // The adapter goes first: redisAsyncSetConnectCallback() asks it for the first write event.
    const bool attached = RedisAdapter::attach(
        context, [session](redisAsyncContext *freed) { sessionCleanup(session, freed); });
    if (!attached) {
        redisAsyncFree(context);
        delete session;
        attemptFailed(QStringLiteral("cannot watch the hiredis socket"));
        return;
    }
    m_session = session;
    redisAsyncSetConnectCallback(context, &RedisConnection::connectCallback);

    // The handshake is queued now; hiredis writes it once the socket is connected.
    if (!m_url.password.isEmpty()) {
        if (!send(session, {QByteArrayLiteral("AUTH"), m_url.password.toUtf8()}, Step::Auth, {})) {
            fail(session, QStringLiteral("cannot queue AUTH"));
            return;
        }
    }
    if (!send(session, {QByteArrayLiteral("SELECT"), QByteArray::number(m_url.db)}, Step::Select,
              {})) {
        fail(session, QStringLiteral("cannot queue SELECT"));
    }
}

void RedisConnection::attemptFailed(const QString &reason)
{
    m_lastError = reason;
    m_attemptTimer.stop();
    qCDebug(lcRelay, "attempt %d to reach %s failed: %s", m_attempts,
            qUtf8Printable(m_url.toDisplayString()), qUtf8Printable(reason));
    scheduleRetry();
    setState(State::Reconnecting, reason);
}

void RedisConnection::attemptTimedOut()
{
    if (m_lookupId != -1) {
        abortLookup();
        attemptFailed(QStringLiteral("timed out resolving %1").arg(m_url.host));
        return;
    }
    if (m_session && !m_session->freeing) {
        // Not inside hiredis: the context is freed right here and sessionGone() follows.
        fail(m_session, QStringLiteral("timed out connecting"));
    }
}

void RedisConnection::fail(Session *session, const QString &reason)
{
    if (session->freeing)
        return;
    if (session->reason.isEmpty())
        session->reason = reason;
    session->freeing = true;
    redisAsyncFree(session->context); // may delete session
}

void RedisConnection::scheduleRetry()
{
    m_retryTimer.start(m_delay);
    m_delay = std::min(m_delay * 2, m_maxDelay);
}

bool RedisConnection::send(Session *session, const QList<QByteArray> &argv, Step step,
                           Callback callback)
{
    std::vector<const char *> args;
    std::vector<size_t> lengths;
    args.reserve(size_t(argv.size()));
    lengths.reserve(size_t(argv.size()));
    for (const QByteArray &arg : argv) {
        args.push_back(arg.constData());
        lengths.push_back(size_t(arg.size()));
    }
    auto *pending = new Pending{session, step, std::move(callback)};
    if (redisAsyncCommandArgv(session->context, &RedisConnection::replyCallback, pending,
                              int(args.size()), args.data(), lengths.data())
        != REDIS_OK) {
        delete pending;
        return false;
    }
    return true;
}

void RedisConnection::sendSubscribe(const QList<QByteArray> &channels)
{
    std::vector<const char *> args{"SUBSCRIBE"};
    std::vector<size_t> lengths{9};
    for (const QByteArray &channel : channels) {
        args.push_back(channel.constData());
        lengths.push_back(size_t(channel.size()));
    }
    // hiredis keeps one callback per channel and calls it for every message on it.
    redisAsyncCommandArgv(m_session->context, &RedisConnection::subscriptionCallback, m_session,
                          int(args.size()), args.data(), lengths.data());
}

void RedisConnection::connectCallback(const redisAsyncContext *context, int status)
{
    // Nothing here may free the context: hiredis goes on using it after we return.
    auto *session = static_cast<Session *>(context->data);
    if (!session)
        return;
    if (status != REDIS_OK) {
        // hiredis frees the context right after; sessionCleanup() reports it.
        session->freeing = true;
        if (session->reason.isEmpty())
            session->reason = contextError(context);
    }
}

void RedisConnection::replyCallback(redisAsyncContext *context, void *reply, void *privdata)
{
    std::unique_ptr<Pending> pending(static_cast<Pending *>(privdata));
    Session *session = pending->session;
    const auto *raw = static_cast<const redisReply *>(reply);
    if (!raw) {
        // Only the freeing of the context calls back without a reply.
        session->freeing = true;
        if (session->reason.isEmpty())
            session->reason = contextError(context);
    }
    if (pending->step != Step::User) {
        if (raw && session->owner)
            session->owner->handshakeReply(session, pending->step, fromHiredis(raw));
        return;
    }
    if (!pending->callback || session->dropCallbacks)
        return;
    const RedisReply result = raw
        ? fromHiredis(raw)
        : RedisReply::error(
            "disconnected: "
            + (session->reason.isEmpty() ? QStringLiteral("connection lost") : session->reason)
                  .toUtf8());
    Callback callback = std::move(pending->callback);
    pending.reset();
    // Last statement: the callback may delete the connection (hiredis then frees the context
    // once we return) or close it.
    callback(result);
}

void RedisConnection::subscriptionCallback(redisAsyncContext *context, void *reply, void *privdata)
{
    auto *session = static_cast<Session *>(privdata);
    const auto *raw = static_cast<const redisReply *>(reply);
    if (!raw) {
        session->freeing = true;
        if (session->reason.isEmpty())
            session->reason = contextError(context);
        return;
    }
    if (session->owner && !session->freeing)
        session->owner->subscriptionReply(session, fromHiredis(raw));
}

void RedisConnection::sessionCleanup(Session *session, redisAsyncContext *context)
{
    // Called by the adapter while hiredis frees the context: all callbacks have run.
    RedisConnection *owner = session->owner;
    if (session->former)
        session->former->m_released.removeOne(session);
    QString reason = session->reason;
    if (reason.isEmpty())
        reason = contextError(context);
    if (reason.isEmpty())
        reason = QStringLiteral("connection closed");
    delete session;
    if (owner)
        owner->sessionGone(reason);
}

void RedisConnection::handshakeReply(Session *session, Step step, const RedisReply &reply)
{
    if (session != m_session || session->freeing)
        return;
    if (reply.isError()) {
        const QString what = step == Step::Auth
            ? QStringLiteral("AUTH failed: ")
            : QStringLiteral("SELECT %1 failed: ").arg(m_url.db);
        // Inside a reply callback: hiredis frees the context once we return.
        fail(session, what + QString::fromUtf8(reply.str));
        return;
    }
    if (step == Step::Select)
        handshakeDone(session);
}

void RedisConnection::handshakeDone(Session *session)
{
    session->ready = true;
    if (m_mode == Mode::Subscriber && !m_channels.isEmpty()) {
        // connected() once the server confirmed every channel, so nothing published after it
        // is missed.
        m_unconfirmed = m_channels;
        sendSubscribe(m_channels);
        return;
    }
    becomeConnected();
}

void RedisConnection::subscriptionReply(Session *session, const RedisReply &reply)
{
    if (session != m_session || !reply.isArray() || reply.elements.size() < 2)
        return;
    const QByteArray kind = reply.elements.at(0).str.toLower();
    const QByteArray channel = reply.elements.at(1).str;
    if (kind == "message" && reply.elements.size() >= 3) {
        // Messages already in flight when the channel was unsubscribed are not ours anymore.
        if (m_channels.contains(channel))
            emit message(channel, reply.elements.at(2).str);
    } else if (kind == "subscribe") {
        m_unconfirmed.removeAll(channel);
        QPointer<RedisConnection> self(this);
        emit subscribed(channel);
        if (!self || session != m_session || session->freeing)
            return;
        if (m_state != State::Connected && m_unconfirmed.isEmpty())
            becomeConnected();
    }
}

void RedisConnection::becomeConnected()
{
    m_attemptTimer.stop();
    m_delay = m_initialDelay;
    if (m_everConnected)
        ++m_reconnects;
    m_everConnected = true;
    QPointer<RedisConnection> self(this);
    setState(State::Connected); // logs m_attempts
    if (!self)
        return;
    m_attempts = 0;
    if (m_state == State::Connected)
        emit connected();
}

void RedisConnection::sessionGone(const QString &reason)
{
    m_session = nullptr;
    m_unconfirmed.clear();
    if (m_state != State::Connected) {
        attemptFailed(reason);
        return;
    }
    m_lastError = reason;
    scheduleRetry();
    QPointer<RedisConnection> self(this);
    setState(State::Reconnecting, reason);
    if (self && m_state == State::Reconnecting)
        emit disconnected(reason);
}

void RedisConnection::releaseSession(const QString &reason, bool dropCallbacks)
{
    Session *session = std::exchange(m_session, nullptr);
    if (!session)
        return;
    session->owner = nullptr;
    session->dropCallbacks = session->dropCallbacks || dropCallbacks;
    if (!session->dropCallbacks) {
        session->former = this;
        m_released.append(session);
    }
    fail(session, reason); // now, or once hiredis is out of the callback we are in
}

void RedisConnection::abortLookup()
{
    if (m_lookupId == -1)
        return;
    QHostInfo::abortHostLookup(m_lookupId);
    m_lookupId = -1;
}

void RedisConnection::setState(State state, const QString &reason)
{
    if (m_state == state)
        return;
    const State previous = m_state;
    m_state = state;
    const QByteArray where = m_url.toDisplayString().toUtf8();
    switch (state) {
    case State::Disconnected:
        qCInfo(lcRelay, "redis %s: closed", where.constData());
        break;
    case State::Connecting:
        qCInfo(lcRelay, "redis %s: connecting", where.constData());
        break;
    case State::Connected:
        if (m_reconnects > 0) {
            qCInfo(lcRelay, "redis %s: reconnected after %d attempt(s)", where.constData(),
                   m_attempts);
        } else {
            qCInfo(lcRelay, "redis %s: connected", where.constData());
        }
        break;
    case State::Reconnecting:
        if (previous == State::Connected) {
            qCInfo(lcRelay, "redis %s: connection lost (%s), reconnecting", where.constData(),
                   qUtf8Printable(reason));
        } else {
            qCInfo(lcRelay, "redis %s: unreachable (%s), retrying with backoff up to %d ms",
                   where.constData(), qUtf8Printable(reason), m_maxDelay);
        }
        break;
    }
    emit stateChanged(state);
}

} // namespace Herald
