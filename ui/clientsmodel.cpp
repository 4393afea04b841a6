#include "clientsmodel.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <algorithm>

namespace Herald {

namespace {

bool isNumeric(int column)
{
    return column == ClientsModel::IdColumn || column == ClientsModel::EventsSentColumn
        || column == ClientsModel::BytesSentColumn || column == ClientsModel::QueuedBytesColumn;
}

QString stateName(ClientSession::State state)
{
    switch (state) {
    case ClientSession::State::Streaming:
        return QStringLiteral("streaming");
    case ClientSession::State::Closing:
        return QStringLiteral("closing");
    case ClientSession::State::Closed:
        return QStringLiteral("closed");
    }
    return {};
}

bool countersDiffer(const ClientSnapshot &a, const ClientSnapshot &b)
{
    return a.eventsSent != b.eventsSent || a.bytesSent != b.bytesSent
        || a.queuedBytes != b.queuedBytes || a.lastSentId != b.lastSentId || a.state != b.state;
}

} // namespace

ClientsModel::ClientsModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int ClientsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ClientsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ClientsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ClientSnapshot &c = m_rows[size_t(index.row())];
    const ClientInfo &info = c.info;
    const int column = index.column();

    switch (role) {
    case ClientIdRole:
        return QVariant::fromValue(info.id);
    case FilterRole:
        // Identity only: counters change every tick and would make the proxy re-filter.
        if (column != IdColumn)
            return {};
        return QString::number(info.id) + QLatin1Char(' ') + info.remote + QLatin1Char(' ')
            + info.userAgent + QLatin1Char(' ') + info.origin + QLatin1Char(' ')
            + info.topics.join(QLatin1Char(' ')) + QLatin1Char(' ') + info.node;
    case Qt::TextAlignmentRole:
        if (isNumeric(column))
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (column == StateColumn && c.state != ClientSession::State::Streaming)
            return QBrush(QColor(0xc0, 0x39, 0x2b));
        if (column == QueuedBytesColumn && c.queuedBytes > 0)
            return QBrush(QColor(0xd3, 0x54, 0x00));
        return {};
    case Qt::ToolTipRole:
        if (column == ConnectedColumn)
            return info.connectedAt.toLocalTime().toString(Qt::ISODateWithMs);
        if (column == UserAgentColumn || column == TopicsColumn || column == OriginColumn)
            return data(index, Qt::DisplayRole);
        if (column == LastEventIdColumn)
            return tr("Last-Event-ID the client sent when it connected; it was last sent id %1")
                .arg(c.lastSentId);
        return {};
    case SortRole:
        switch (column) {
        case IdColumn:
            return QVariant::fromValue(info.id);
        case ConnectedColumn:
            return info.connectedAt.toMSecsSinceEpoch();
        case LastEventIdColumn:
            return info.lastEventId.isEmpty() ? -1 : info.lastEventId.toLongLong();
        case EventsSentColumn:
            return QVariant::fromValue(c.eventsSent);
        case BytesSentColumn:
            return QVariant::fromValue(c.bytesSent);
        case QueuedBytesColumn:
            return c.queuedBytes;
        case StateColumn:
            return int(c.state);
        default:
            return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (column) {
        case IdColumn:
            return QVariant::fromValue(info.id);
        case NodeColumn:
            return info.node;
        case RemoteColumn:
            return info.remote;
        case UserAgentColumn:
            return info.userAgent;
        case OriginColumn:
            return info.origin;
        case TopicsColumn:
            return info.topics.join(QStringLiteral(", "));
        case ConnectedColumn:
            return info.connectedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
        case LastEventIdColumn:
            return info.lastEventId.isEmpty() ? QString() : QString::fromLatin1(info.lastEventId);
        case EventsSentColumn:
            return QVariant::fromValue(c.eventsSent);
        case BytesSentColumn:
            return QLocale().formattedDataSize(qint64(c.bytesSent), 1,
                                               QLocale::DataSizeTraditionalFormat);
        case QueuedBytesColumn:
            return c.queuedBytes;
        case StateColumn:
            return stateName(c.state);
        }
        return {};
    default:
        return {};
    }
}

QVariant ClientsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (role == Qt::ToolTipRole && section == LastEventIdColumn)
        return tr("The Last-Event-ID the client sent when it connected (resumed streams)");
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn:
        return tr("Id");
    case NodeColumn:
        return tr("Node");
    case RemoteColumn:
        return tr("Remote");
    case UserAgentColumn:
        return tr("User agent");
    case OriginColumn:
        return tr("Origin");
    case TopicsColumn:
        return tr("Topics");
    case ConnectedColumn:
        return tr("Connected");
    case LastEventIdColumn:
        return tr("Last-Event-ID");
    case EventsSentColumn:
        return tr("Events");
    case BytesSentColumn:
        return tr("Sent");
    case QueuedBytesColumn:
        return tr("Queued");
    case StateColumn:
        return tr("State");
    }
    return {};
}

void ClientsModel::applySnapshot(const std::vector<ClientSnapshot> &clients)
{
    ++m_snapshotsApplied;

    // Both lists are in ascending id order, so one merge walk finds what went, what came and
    // what changed.
    std::vector<bool> kept(m_rows.size(), false);
    int removedRuns = 0;
    {
        size_t n = 0;
        for (size_t r = 0; r < m_rows.size(); ++r) {
            const quint64 id = m_rows[r].info.id;
            while (n < clients.size() && clients[n].info.id < id)
                ++n;
            kept[r] = n < clients.size() && clients[n].info.id == id;
            if (!kept[r] && (r == 0 || kept[r - 1]))
                ++removedRuns;
        }
    }
    // Each removal signal costs proxies and views a pass over their rows; past a budget, one
    // layout change is cheaper than many removals.
    if (removedRuns > 1 && qint64(removedRuns) * qint64(m_rows.size()) > BulkRemovalBudget) {
        applyAsLayoutChange(clients);
        return;
    }

    // Removals first, each run of adjacent rows in one go, from the end so the indices of runs
    // not yet removed stay valid.
    for (int last = int(m_rows.size()) - 1; last >= 0;) {
        if (kept[size_t(last)]) {
            --last;
            continue;
        }
        int first = last;
        while (first > 0 && !kept[size_t(first - 1)])
            --first;
        beginRemoveRows({}, first, last);
        for (int r = first; r <= last; ++r)
            countOrigin(m_rows[size_t(r)], -1);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
        last = first - 1;
    }

    // Now every row is also in the snapshot. Counters first, reported before any row is
    // inserted: a sorting proxy places new rows by the values it was last told about.
    std::vector<int> changed;
    {
        size_t n = 0;
        for (size_t r = 0; r < m_rows.size(); ++r) {
            while (clients[n].info.id != m_rows[r].info.id)
                ++n;
            if (!countersDiffer(m_rows[r], clients[n]))
                continue;
            // Identity never changes for a client: copy the counters only, which spares the
            // reference counts of every string in ClientInfo.
            ClientSnapshot &row = m_rows[r];
            row.eventsSent = clients[n].eventsSent;
            row.bytesSent = clients[n].bytesSent;
            row.queuedBytes = clients[n].queuedBytes;
            row.lastSentId = clients[n].lastSentId;
            row.state = clients[n].state;
            changed.push_back(int(r));
        }
    }
    emitChanged(changed);

    // Then the newcomers, each run of adjacent new ids in one insertion where it belongs.
    size_t r = 0;
    size_t n = 0;
    while (n < clients.size()) {
        if (r < m_rows.size() && m_rows[r].info.id == clients[n].info.id) {
            ++r;
            ++n;
            continue;
        }
        size_t end = n;
        while (end < clients.size()
               && (r >= m_rows.size() || clients[end].info.id < m_rows[r].info.id))
            ++end;
        beginInsertRows({}, int(r), int(r + (end - n) - 1));
        m_rows.insert(m_rows.begin() + qsizetype(r), clients.begin() + qsizetype(n),
                      clients.begin() + qsizetype(end));
        for (size_t i = n; i < end; ++i)
            countOrigin(clients[i], +1);
        endInsertRows();
        r += end - n;
        n = end;
    }
    updateCrowdedOrigins();
}

void ClientsModel::updateCrowdedOrigins()
{
    QStringList crowded;
    for (auto it = m_originStreams.cbegin(); it != m_originStreams.cend(); ++it) {
        if (it.value() > OriginStreamLimit)
            crowded.append(tr("%1 (%n streams)", nullptr, it.value()).arg(it.key()));
    }
    crowded.sort();
    if (crowded != m_crowded) {
        m_crowded = crowded;
        Q_EMIT crowdedOriginsChanged(m_crowded);
    }
}

void ClientsModel::applyAsLayoutChange(const std::vector<ClientSnapshot> &clients)
{
    // Thousands of clients leaving at once leave thousands of gaps; removing them run by run
    // costs every proxy and view a pass over all rows per run (tens of ms for 10,000 rows). One
    // layout change does it in one pass, and persistent indexes (selection, current row, scroll
    // anchor) follow their clients or become invalid when theirs left.
    // Known shortcoming: that one pass, with the sorting proxy and the view behind it, still
    // takes 10-18 ms for 10,000 rows on the two-core machine measured (docs/performance.md,
    // the console bench's "leave" phase), about one frame. Spreading it over several ticks
    // would need the proxy to sort partial lists; not done.
    Q_EMIT layoutAboutToBeChanged();
    const QModelIndexList before = persistentIndexList();
    QModelIndexList after;
    after.reserve(before.size());
    for (const QModelIndex &index : before) {
        const quint64 id = m_rows[size_t(index.row())].info.id;
        const auto it = std::lower_bound(
            clients.begin(), clients.end(), id,
            [](const ClientSnapshot &c, quint64 wanted) { return c.info.id < wanted; });
        if (it == clients.end() || it->info.id != id)
            after.append(QModelIndex());
        else
            after.append(createIndex(int(it - clients.begin()), index.column()));
    }
    m_rows = clients;
    m_originStreams.clear();
    for (const ClientSnapshot &client : m_rows)
        countOrigin(client, +1);
    m_rowsChanged += m_rows.size();
    changePersistentIndexList(before, after);
    Q_EMIT layoutChanged();
    updateCrowdedOrigins();
}

void ClientsModel::emitChanged(const std::vector<int> &rows)
{
    if (rows.empty())
        return;
    m_rowsChanged += rows.size();
    // One signal from the first changed row to the last, unchanged rows between included: all
    // counters were updated before it, and a sorting proxy re-sorts what one signal names
    // against rows it believes unchanged, so several signals would mislead it (and cost more).
    // Counter columns only: identity columns never change for a client, and leaving them (and
    // the filter role) out spares proxies from filtering again.
    static const QList<int> roles
        = {Qt::DisplayRole, SortRole, Qt::ForegroundRole, Qt::ToolTipRole};
    Q_EMIT dataChanged(index(rows.front(), LastEventIdColumn), index(rows.back(), StateColumn),
                       roles);
}

void ClientsModel::countOrigin(const ClientSnapshot &client, int delta)
{
    const QString &origin = client.info.origin;
    if (origin.isEmpty())
        return;
    int &count = m_originStreams[origin];
    count += delta;
    if (count <= 0)
        m_originStreams.remove(origin);
}

quint64 ClientsModel::clientId(int row) const
{
    if (row < 0 || size_t(row) >= m_rows.size())
        return 0;
    return m_rows[size_t(row)].info.id;
}

int ClientsModel::rowOf(quint64 clientId) const
{
    const auto it
        = std::lower_bound(m_rows.begin(), m_rows.end(), clientId,
                           [](const ClientSnapshot &c, quint64 id) { return c.info.id < id; });
    if (it == m_rows.end() || it->info.id != clientId)
        return -1;
    return int(it - m_rows.begin());
}

const ClientSnapshot *ClientsModel::client(int row) const
{
    if (row < 0 || size_t(row) >= m_rows.size())
        return nullptr;
    return &m_rows[size_t(row)];
}

} // namespace Herald
