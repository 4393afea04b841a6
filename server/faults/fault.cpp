#include "faults/fault.h"

#include <QJsonArray>

#include <cmath>

namespace Herald {

namespace {

struct KindName
{
    Fault::Kind kind;
    const char *name;
};

constexpr KindName kindNames[] = {
    {Fault::Kind::Close, "close"},
    {Fault::Kind::Reset, "reset"},
    {Fault::Kind::Stall, "stall"},
    {Fault::Kind::Resume, "resume"},
    {Fault::Kind::Drip, "drip"},
    {Fault::Kind::Cut, "cut"},
    {Fault::Kind::DropAfterEvents, "drop-after-events"},
    {Fault::Kind::DropAfterTime, "drop-after-time"},
    {Fault::Kind::RetryThenClose, "retry-then-close"},
    {Fault::Kind::Refuse, "refuse"},
    {Fault::Kind::PauseRelay, "pause-relay"},
    {Fault::Kind::ResumeRelay, "resume-relay"},
};

// Reads an optional whole number in [min, max]; false (with error set) when it is not one.
bool readInt(const QJsonObject &object, const char *key, qint64 min, qint64 max, qint64 *out,
             QString *error)
{
    const QJsonValue value = object.value(QLatin1String(key));
    if (value.isUndefined())
        return true;
    const double number = value.toDouble(-1);
    // Range first: converting an out-of-range double to an integer is undefined behaviour.
    if (!value.isDouble() || !(number >= double(min) && number <= double(max))
        || number != std::floor(number)) {
        *error = QStringLiteral("\"%1\" must be a whole number from %2 to %3")
                     .arg(QLatin1String(key))
                     .arg(min)
                     .arg(max);
        return false;
    }
    *out = qint64(number);
    return true;
}

} // namespace

bool Fault::isClientFault() const
{
    return kind != Kind::Refuse && kind != Kind::PauseRelay && kind != Kind::ResumeRelay;
}

QString Fault::name(Kind kind)
{
    for (const KindName &entry : kindNames) {
        if (entry.kind == kind)
            return QLatin1String(entry.name);
    }
    return {};
}

std::optional<Fault::Kind> Fault::kindFromName(const QString &name)
{
    for (const KindName &entry : kindNames) {
        if (name == QLatin1String(entry.name))
            return entry.kind;
    }
    return std::nullopt;
}

QStringList Fault::names()
{
    QStringList list;
    for (const KindName &entry : kindNames)
        list.append(QLatin1String(entry.name));
    return list;
}

std::optional<Fault> Fault::fromJson(const QJsonObject &object, QString *error)
{
    static const QStringList known
        = {QStringLiteral("fault"),  QStringLiteral("clients"), QStringLiteral("bytesPerSecond"),
           QStringLiteral("events"), QStringLiteral("ms"),      QStringLiteral("retry"),
           QStringLiteral("count"),  QStringLiteral("status"),  QStringLiteral("retryAfter")};
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!known.contains(it.key())) {
            *error = QStringLiteral("unknown field \"%1\"").arg(it.key());
            return std::nullopt;
        }
    }

    Fault fault;
    const QJsonValue kindValue = object.value(QLatin1String("fault"));
    const auto kind = kindFromName(kindValue.toString());
    if (!kind) {
        *error
            = QStringLiteral("\"fault\" must be one of: %1").arg(names().join(QLatin1String(", ")));
        return std::nullopt;
    }
    fault.kind = *kind;

    const QJsonValue clients = object.value(QLatin1String("clients"));
    if (clients.isArray()) {
        fault.allClients = false;
        for (const QJsonValue &id : clients.toArray()) {
            quint64 number = 0;
            if (id.isString())
                number = id.toString().toULongLong();
            else if (id.isDouble() && id.toDouble() >= 1 && id.toDouble() <= 9.0e15
                     && id.toDouble() == std::floor(id.toDouble()))
                number = quint64(id.toDouble());
            if (number == 0) {
                *error = QStringLiteral("\"clients\" must list client ids, or be \"all\"");
                return std::nullopt;
            }
            // A client named twice is one client: the fault reaches it once.
            if (!fault.clients.contains(number))
                fault.clients.append(number);
        }
    } else if (!clients.isUndefined() && clients.toString() != QLatin1String("all")) {
        *error = QStringLiteral("\"clients\" must list client ids, or be \"all\"");
        return std::nullopt;
    }

    qint64 value = 0;
    const qint64 day = 24 * 3600 * 1000;
    if (!readInt(object, "bytesPerSecond", 1, qint64(1) << 30, &fault.bytesPerSecond, error)
        || !readInt(object, "events", 0, qint64(1) << 40, &fault.events, error)
        || !readInt(object, "ms", 0, day, &fault.milliseconds, error))
        return std::nullopt;
    value = fault.retryMs;
    if (!readInt(object, "retry", 0, day, &value, error))
        return std::nullopt;
    fault.retryMs = int(value);
    value = fault.count;
    if (!readInt(object, "count", 1, 1000000, &value, error))
        return std::nullopt;
    fault.count = int(value);
    value = fault.status;
    if (!readInt(object, "status", 100, 599, &value, error))
        return std::nullopt;
    fault.status = int(value);
    value = fault.retryAfterSeconds;
    if (!readInt(object, "retryAfter", 0, 86400, &value, error))
        return std::nullopt;
    fault.retryAfterSeconds = int(value);

    if (fault.kind == Kind::Refuse && fault.status != 500 && fault.status != 503
        && fault.status != 204) {
        *error = QStringLiteral("refuse takes \"status\" 500, 503 or 204");
        return std::nullopt;
    }
    if (fault.kind == Kind::Drip && !object.contains(QLatin1String("bytesPerSecond"))) {
        *error = QStringLiteral("drip needs \"bytesPerSecond\"");
        return std::nullopt;
    }
    if (fault.kind == Kind::DropAfterEvents && !object.contains(QLatin1String("events"))) {
        *error = QStringLiteral("drop-after-events needs \"events\"");
        return std::nullopt;
    }
    if (fault.kind == Kind::DropAfterTime && !object.contains(QLatin1String("ms"))) {
        *error = QStringLiteral("drop-after-time needs \"ms\"");
        return std::nullopt;
    }
    if (fault.kind == Kind::RetryThenClose && !object.contains(QLatin1String("retry"))) {
        *error = QStringLiteral("retry-then-close needs \"retry\"");
        return std::nullopt;
    }
    return fault;
}

QJsonObject Fault::toJson() const
{
    QJsonObject object{{QStringLiteral("fault"), name(kind)}};
    if (isClientFault()) {
        if (allClients) {
            object.insert(QStringLiteral("clients"), QStringLiteral("all"));
        } else {
            QJsonArray ids;
            for (quint64 id : clients)
                ids.append(QString::number(id));
            object.insert(QStringLiteral("clients"), ids);
        }
    }
    switch (kind) {
    case Kind::Drip:
        object.insert(QStringLiteral("bytesPerSecond"), double(bytesPerSecond));
        break;
    case Kind::DropAfterEvents:
        object.insert(QStringLiteral("events"), double(events));
        break;
    case Kind::DropAfterTime:
        object.insert(QStringLiteral("ms"), double(milliseconds));
        break;
    case Kind::RetryThenClose:
        object.insert(QStringLiteral("retry"), retryMs);
        break;
    case Kind::Refuse:
        object.insert(QStringLiteral("count"), count);
        object.insert(QStringLiteral("status"), status);
        if (status == 503)
            object.insert(QStringLiteral("retryAfter"), retryAfterSeconds);
        break;
    default:
        break;
    }
    return object;
}

} // namespace Herald
