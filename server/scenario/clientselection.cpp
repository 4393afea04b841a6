#include "scenario/clientselection.h"

#include "scenario/clientlog.h"

namespace Herald {

bool ClientSelection::matches(const ClientLog &log) const
{
    switch (kind) {
    case Kind::All:
        return true;
    case Kind::Group:
        return log.group == group;
    case Kind::Names:
        return names.contains(log.name);
    }
    return false;
}

QString ClientSelection::describe() const
{
    switch (kind) {
    case Kind::All:
        return QStringLiteral("all clients");
    case Kind::Group:
        return QStringLiteral("group %1").arg(group);
    case Kind::Names:
        return QStringLiteral("clients %1").arg(names.join(QLatin1String(", ")));
    }
    return {};
}

} // namespace Herald
