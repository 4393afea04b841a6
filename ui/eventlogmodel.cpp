#include "eventlogmodel.h"

#include <QDateTime>

namespace Herald {

namespace {

constexpr qsizetype PreviewChars = 200;

QString preview(const QByteArray &data)
{
    // One line in the table: line breaks shown as the SSE data lines they become.
    QString text = QString::fromUtf8(data.left(PreviewChars * 4)).left(PreviewChars);
    text.replace(QLatin1String("\r\n"), QStringLiteral(" ⏎ "));
    text.replace(QLatin1Char('\n'), QStringLiteral(" ⏎ "));
    text.replace(QLatin1Char('\r'), QStringLiteral(" ⏎ "));
    if (data.size() > PreviewChars)
        text += QStringLiteral("…");
    return text;
}

} // namespace

EventLogModel::EventLogModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Event &e = *m_events[size_t(index.row())];
    const int column = index.column();

    if (role == Qt::TextAlignmentRole) {
        if (column == IdColumn || column == SizeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    }
    if (role == Qt::ToolTipRole && column == DataColumn)
        return QString::fromUtf8(e.data.left(4096));
    if (role == SortRole) {
        switch (column) {
        case IdColumn:
            return e.id;
        case TimeColumn:
            return e.publishedAtMs;
        case SizeColumn:
            return e.frame.size();
        default:
            break;
        }
    } else if (role != Qt::DisplayRole) {
        return {};
    }
    switch (column) {
    case IdColumn:
        return e.id;
    case TimeColumn:
        return QDateTime::fromMSecsSinceEpoch(e.publishedAtMs)
            .toString(QStringLiteral("HH:mm:ss.zzz"));
    case TopicColumn:
        return e.topic;
    case TypeColumn:
        return QString::fromUtf8(e.type);
    case DataColumn:
        return preview(e.data);
    case SizeColumn:
        return e.frame.size();
    }
    return {};
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return tr("Id");
    case TimeColumn:
        return tr("Published");
    case TopicColumn:
        return tr("Topic");
    case TypeColumn:
        return tr("Event");
    case DataColumn:
        return tr("Data");
    case SizeColumn:
        return tr("Frame bytes");
    }
    return {};
}

void EventLogModel::setCapacity(int rows)
{
    m_capacity = std::max(1, rows);
    trimTo(m_capacity);
}

void EventLogModel::addEvents(const std::vector<EventPtr> &events)
{
    auto first = events.begin();
    while (first != events.end() && (*first)->id <= m_newestId)
        ++first;
    if (first == events.end())
        return;
    if (events.end() - first > m_capacity)
        first = events.end() - m_capacity;

    const int incoming = int(events.end() - first);
    trimTo(m_capacity - incoming);
    const int row = int(m_events.size());
    beginInsertRows({}, row, row + incoming - 1);
    m_events.insert(m_events.end(), first, events.end());
    m_newestId = m_events.back()->id;
    endInsertRows();
}

void EventLogModel::clear()
{
    if (m_events.empty() && m_newestId == 0)
        return;
    beginResetModel();
    m_events.clear();
    m_newestId = 0;
    endResetModel();
}

EventPtr EventLogModel::event(int row) const
{
    if (row < 0 || size_t(row) >= m_events.size())
        return nullptr;
    return m_events[size_t(row)];
}

void EventLogModel::trimTo(int rows)
{
    const int excess = int(m_events.size()) - std::max(0, rows);
    if (excess <= 0)
        return;
    beginRemoveRows({}, 0, excess - 1);
    m_events.erase(m_events.begin(), m_events.begin() + excess);
    endRemoveRows();
}

} // namespace Herald
