#pragma once

#include "broadcast/event.h"

#include <QStringList>
#include <QWidget>

#include <vector>

class QPaintEvent;

namespace Herald {

// The latest events in large type, newest on top, for presenter mode. Repaints only when a new
// event arrived, whatever the snapshot rate.
class EventTicker : public QWidget
{
    Q_OBJECT

public:
    explicit EventTicker(QWidget *parent = nullptr);

    void setEvents(const std::vector<EventPtr> &events); // oldest first
    QStringList lines() const { return m_lines; }
    qint64 newestId() const { return m_newestId; }

    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    static constexpr int MaxLines = 12;

    QStringList m_lines; // newest first
    qint64 m_newestId = -1;
};

} // namespace Herald
