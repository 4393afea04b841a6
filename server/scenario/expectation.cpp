#include "scenario/expectation.h"

namespace Herald {

namespace {

struct KindName
{
    Expectation::Kind kind;
    const char *name;
};

constexpr KindName kindTable[] = {
    {Expectation::Kind::NoGaps, "no-gaps"},
    {Expectation::Kind::NoDuplicates, "no-duplicates"},
    {Expectation::Kind::InOrder, "in-order"},
    {Expectation::Kind::ReconnectTiming, "reconnect-timing"},
    {Expectation::Kind::LastEventId, "last-event-id"},
    {Expectation::Kind::Replay, "replay"},
    {Expectation::Kind::ClientCount, "client-count"},
    {Expectation::Kind::ClientStopped, "client-stopped"},
    {Expectation::Kind::Latency, "latency"},
    {Expectation::Kind::Reconnects, "reconnects"},
    {Expectation::Kind::Received, "received"},
};

} // namespace

QString Expectation::kindName(Kind kind)
{
    for (const KindName &entry : kindTable) {
        if (entry.kind == kind)
            return QLatin1String(entry.name);
    }
    return {};
}

std::optional<Expectation::Kind> Expectation::kindFromName(const QString &name)
{
    for (const KindName &entry : kindTable) {
        if (name == QLatin1String(entry.name))
            return entry.kind;
    }
    return std::nullopt;
}

QStringList Expectation::kindNames()
{
    QStringList names;
    for (const KindName &entry : kindTable)
        names.append(QLatin1String(entry.name));
    return names;
}

} // namespace Herald
