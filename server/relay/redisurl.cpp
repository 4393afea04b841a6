#include "redisurl.h"

#include <QUrl>

namespace Herald {

namespace {

std::optional<RedisUrl> fail(QString *error, const QString &message)
{
    if (error)
        *error = message;
    return std::nullopt;
}

QString hostForUrl(const QString &host)
{
    return host.contains(u':') ? u'[' + host + u']' : host;
}

} // namespace

std::optional<RedisUrl> RedisUrl::parse(const QString &text, QString *error)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return fail(error, QStringLiteral("empty Redis URL"));
    const QUrl url(trimmed, QUrl::StrictMode);
    if (!url.isValid())
        return fail(error, QStringLiteral("invalid Redis URL: %1").arg(url.errorString()));
    if (url.scheme() != QLatin1String("redis")) {
        return fail(error,
                    QStringLiteral("unsupported scheme \"%1\" (expected redis://host:port)")
                        .arg(url.scheme()));
    }
    if (url.host().isEmpty())
        return fail(error, QStringLiteral("missing host in Redis URL"));
    if (!url.userName().isEmpty()) {
        return fail(error,
                    QStringLiteral("user names are not supported in Redis URLs "
                                   "(write redis://:password@host)"));
    }
    if (url.hasQuery())
        return fail(error, QStringLiteral("query parameters are not supported in Redis URLs"));
    if (url.hasFragment())
        return fail(error, QStringLiteral("fragments are not supported in Redis URLs"));

    RedisUrl result;
    result.host = url.host();
    const int port = url.port(6379);
    if (port <= 0 || port > 65535)
        return fail(error, QStringLiteral("invalid port %1 in Redis URL").arg(port));
    result.port = quint16(port);
    result.password = url.password(QUrl::FullyDecoded);
    if (result.password.isEmpty() && url.userInfo().startsWith(u':'))
        return fail(error, QStringLiteral("empty password in Redis URL"));

    QString path = url.path(QUrl::FullyDecoded);
    if (path.startsWith(u'/'))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        const int db = path.toInt(&ok);
        if (!ok || db < 0 || path.startsWith(u'+') || path.startsWith(u'-')) {
            return fail(
                error,
                QStringLiteral("invalid database \"%1\" in Redis URL (expected a number >= 0)")
                    .arg(path));
        }
        result.db = db;
    }
    return result;
}

QString RedisUrl::toDisplayString() const
{
    // Concatenated, not arg(): a percent-encoded password would look like placeholders.
    const QString auth = password.isEmpty() ? QString() : QStringLiteral(":***@");
    return QStringLiteral("redis://") + auth + hostForUrl(host) + u':' + QString::number(port)
        + u'/' + QString::number(db);
}

QString RedisUrl::toString() const
{
    QString auth;
    if (!password.isEmpty())
        auth = u':' + QString::fromLatin1(QUrl::toPercentEncoding(password)) + u'@';
    return QStringLiteral("redis://") + auth + hostForUrl(host) + u':' + QString::number(port)
        + u'/' + QString::number(db);
}

} // namespace Herald
