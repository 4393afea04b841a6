#pragma once

#include "broadcast/event.h"

#include <QAbstractTableModel>

#include <deque>
#include <vector>

namespace Herald {

// The last events published, as they were published, newest last. Bounded: the oldest rows
// are removed as new ones arrive. Fed from the recent events of each snapshot, so when more
// than a snapshot's worth is published between two, the ones in between are not shown.
class EventLogModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        TimeColumn,
        TopicColumn,
        TypeColumn,
        DataColumn,
        SizeColumn,
        ColumnCount
    };
    enum Role { SortRole = Qt::UserRole + 1 };

    explicit EventLogModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    void setCapacity(int rows);
    int capacity() const { return m_capacity; }

    // Appends the events newer than the newest shown (events oldest first).
    void addEvents(const std::vector<EventPtr> &events);
    // Forgets everything, e.g. when a new node starts counting ids from 1 again.
    void clear();

    EventPtr event(int row) const;
    qint64 newestId() const { return m_newestId; }

private:
    void trimTo(int rows);

    std::deque<EventPtr> m_events;
    int m_capacity = 1000;
    qint64 m_newestId = 0;
};

} // namespace Herald
