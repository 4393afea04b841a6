#pragma once

#include "redisurl.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

struct redisAsyncContext;
QT_FORWARD_DECLARE_CLASS(QHostInfo)

namespace Herald {

// One Redis reply as a plain value, deep-copied out of hiredis: no hiredis pointer escapes.
struct RedisReply
{
    enum class Type { Nil, String, Status, Integer, Error, Array };

    Type type = Type::Nil;
    QByteArray str; // String, Status and Error
    qint64 integer = 0; // Integer
    QList<RedisReply> elements; // Array

    bool isNil() const { return type == Type::Nil; }
    bool isError() const { return type == Type::Error; }
    bool isString() const { return type == Type::String; }
    bool isStatus() const { return type == Type::Status; }
    bool isInteger() const { return type == Type::Integer; }
    bool isArray() const { return type == Type::Array; }

    static RedisReply error(const QByteArray &message);
};

// One connection to a Redis server over hiredis' async API, driven by the Qt event loop.
//
// open() connects, then sends AUTH (when the URL has a password) and SELECT before connected() is
// emitted. A lost connection is retried forever with exponential backoff (100 ms doubling up to
// 5 s, back to 100 ms after a success) until close(). State changes are logged once each at info
// in herald.relay, not once per failed attempt.
//
// Command mode (the default) runs command(). Replies come back in order. Callbacks always run,
// once: with the reply; with an Error "not connected" right away when the connection isn't up;
// with an Error "disconnected: <reason>" when the connection is lost or closed before the reply
// came. Destroying the connection drops pending callbacks without calling them (they would likely
// reach objects that are being torn down too).
//
// Subscriber mode only runs subscribe()/unsubscribe(): the channels are remembered and subscribed
// again after every reconnect; connected() comes once all of them are confirmed. message() carries
// what is published to them.
//
// Deleting the connection is safe at any time, including from inside its own signals and
// callbacks. It lives in the thread that calls open().
class RedisConnection : public QObject
{
    Q_OBJECT

public:
    enum class Mode { Command, Subscriber };
    Q_ENUM(Mode)
    enum class State {
        Disconnected, // not opened, or closed
        Connecting, // first connection after open(), handshake included
        Connected,
        Reconnecting, // lost; retrying with backoff
    };
    Q_ENUM(State)

    using Callback = std::function<void(const RedisReply &reply)>;

    explicit RedisConnection(QObject *parent = nullptr);
    explicit RedisConnection(Mode mode, QObject *parent = nullptr);
    ~RedisConnection() override;

    Mode mode() const { return m_mode; }
    State state() const { return m_state; }
    bool isConnected() const;
    // How many times the connection was established again after being lost.
    int reconnects() const { return m_reconnects; }
    // Why the last connection or attempt ended; empty while none has failed.
    QString lastError() const { return m_lastError; }
    RedisUrl url() const { return m_url; }

    // Backoff between reconnect attempts; defaults are 100 ms and 5000 ms.
    void setReconnectDelays(int initialMs, int maxMs);
    // How long one attempt (TCP connect, AUTH, SELECT, re-subscribing) may take; default 5000 ms.
    void setConnectTimeout(int ms);

    void open(const RedisUrl &url);
    void close();

    // Sends argv as one command (binary safe). Pub/sub and MONITOR commands are refused here:
    // use a subscriber connection. In subscriber mode every command is refused.
    void command(const QList<QByteArray> &argv, Callback callback = {});

    // Subscriber mode only.
    void subscribe(const QList<QByteArray> &channels);
    void unsubscribe(const QList<QByteArray> &channels);
    QList<QByteArray> channels() const { return m_channels; }

signals:
    void connected();
    // Emitted when an established connection ends (lost, or close()); not for failed attempts.
    void disconnected(const QString &reason);
    void stateChanged(Herald::RedisConnection::State state);
    // Subscriber mode: a message published to one of our channels.
    void message(const QByteArray &channel, const QByteArray &payload);
    // Subscriber mode: the server confirmed a subscription (again after every reconnect).
    void subscribed(const QByteArray &channel);

private:
    struct Session;
    struct Pending;
    enum class Step { User, Auth, Select };

    static void connectCallback(const redisAsyncContext *context, int status);
    static void replyCallback(redisAsyncContext *context, void *reply, void *privdata);
    static void subscriptionCallback(redisAsyncContext *context, void *reply, void *privdata);
    static void sessionCleanup(Session *session, redisAsyncContext *context);

    void startAttempt();
    void hostResolved(const QHostInfo &info);
    void connectTo(const QString &address);
    void attemptFailed(const QString &reason);
    void handshakeReply(Session *session, Step step, const RedisReply &reply);
    void handshakeDone(Session *session);
    void subscriptionReply(Session *session, const RedisReply &reply);
    void sessionGone(const QString &reason);
    void attemptTimedOut();
    static void fail(Session *session, const QString &reason);
    void scheduleRetry();
    void becomeConnected();
    void setState(State state, const QString &reason = {});
    bool send(Session *session, const QList<QByteArray> &argv, Step step, Callback callback);
    void sendSubscribe(const QList<QByteArray> &channels);
    void releaseSession(const QString &reason, bool dropCallbacks);
    void abortLookup();

    Mode m_mode = Mode::Command;
    State m_state = State::Disconnected;
    RedisUrl m_url;
    Session *m_session = nullptr;
    QList<Session *> m_released;
    QTimer m_retryTimer;
    QTimer m_attemptTimer;
    int m_initialDelay = 100;
    int m_maxDelay = 5000;
    int m_delay = 100;
    int m_attempts = 0;
    int m_reconnects = 0;
    int m_lookupId = -1;
    quint64 m_generation = 0;
    bool m_everConnected = false;
    QString m_lastError;
    QList<QByteArray> m_channels;
    QList<QByteArray> m_unconfirmed;
};

} // namespace Herald
