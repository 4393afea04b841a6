#include "clientsproxymodel.h"

#include "clientsmodel.h"

namespace Herald {

namespace {

template<typename T> int compare(const T &a, const T &b)
{
    return a < b ? -1 : (b < a ? 1 : 0);
}

} // namespace

ClientsProxyModel::ClientsProxyModel(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ClientsModel::SortRole);
    // Filter on identity only (see ClientsModel::FilterRole), so counter updates never make the
    // proxy filter again.
    setFilterRole(ClientsModel::FilterRole);
    setFilterKeyColumn(ClientsModel::IdColumn);
    setFilterCaseSensitivity(Qt::CaseInsensitive);
}

void ClientsProxyModel::setClientsModel(ClientsModel *model)
{
    m_clients = model;
    setSourceModel(model);
}

bool ClientsProxyModel::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const ClientSnapshot *a = m_clients ? m_clients->client(left.row()) : nullptr;
    const ClientSnapshot *b = m_clients ? m_clients->client(right.row()) : nullptr;
    if (!a || !b || left.column() != right.column())
        return QSortFilterProxyModel::lessThan(left, right);

    int order = 0;
    switch (left.column()) {
    case ClientsModel::IdColumn:
        break; // the tie-break below
    case ClientsModel::NodeColumn:
        order = a->info.node.compare(b->info.node);
        break;
    case ClientsModel::RemoteColumn:
        order = a->info.remote.compare(b->info.remote);
        break;
    case ClientsModel::UserAgentColumn:
        order = a->info.userAgent.compare(b->info.userAgent);
        break;
    case ClientsModel::OriginColumn:
        order = a->info.origin.compare(b->info.origin);
        break;
    case ClientsModel::TopicsColumn:
        order = compare(a->info.topics, b->info.topics);
        break;
    case ClientsModel::ConnectedColumn:
        order = compare(a->info.connectedAt, b->info.connectedAt);
        break;
    case ClientsModel::LastEventIdColumn:
        order = compare(a->info.lastEventId.isEmpty() ? -1 : a->info.lastEventId.toLongLong(),
                        b->info.lastEventId.isEmpty() ? -1 : b->info.lastEventId.toLongLong());
        break;
    case ClientsModel::EventsSentColumn:
        order = compare(a->eventsSent, b->eventsSent);
        break;
    case ClientsModel::BytesSentColumn:
        order = compare(a->bytesSent, b->bytesSent);
        break;
    case ClientsModel::QueuedBytesColumn:
        order = compare(a->queuedBytes, b->queuedBytes);
        break;
    case ClientsModel::StateColumn:
        order = compare(int(a->state), int(b->state));
        break;
    default:
        return QSortFilterProxyModel::lessThan(left, right);
    }
    // Equal values keep id order, so rows with the same count do not swap places every tick.
    return order != 0 ? order < 0 : a->info.id < b->info.id;
}

} // namespace Herald
