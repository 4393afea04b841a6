#include "faultpanel.h"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace Herald {

FaultPanel::FaultPanel(QWidget *parent)
    : QWidget(parent)
    , m_scope(new QComboBox(this))
    , m_dripRate(new QSpinBox(this))
    , m_dropEvents(new QSpinBox(this))
    , m_dropMs(new QSpinBox(this))
    , m_retryMs(new QSpinBox(this))
    , m_refuseCount(new QSpinBox(this))
    , m_refuseStatus(new QComboBox(this))
{
    m_scope->setObjectName(QStringLiteral("faultScope"));
    m_dripRate->setObjectName(QStringLiteral("dripRate"));
    m_dropEvents->setObjectName(QStringLiteral("dropEvents"));
    m_dropMs->setObjectName(QStringLiteral("dropMs"));
    m_retryMs->setObjectName(QStringLiteral("retryMs"));
    m_refuseCount->setObjectName(QStringLiteral("refuseCount"));
    m_scope->addItem(tr("Selected clients"));
    m_scope->addItem(tr("All clients"));

    m_dripRate->setRange(1, 1 << 24);
    m_dripRate->setValue(50);
    m_dripRate->setSuffix(tr(" B/s"));
    m_dropEvents->setRange(1, 1000000);
    m_dropEvents->setValue(5);
    m_dropEvents->setSuffix(tr(" events"));
    m_dropMs->setRange(1, 3600000);
    m_dropMs->setValue(2000);
    m_dropMs->setSuffix(tr(" ms"));
    m_retryMs->setRange(0, 3600000);
    m_retryMs->setValue(10000);
    m_retryMs->setSuffix(tr(" ms"));
    m_refuseCount->setRange(1, 1000000);
    m_refuseCount->setValue(3);
    m_refuseCount->setSuffix(tr(" requests"));
    m_refuseStatus->setObjectName(QStringLiteral("refuseStatus"));
    m_refuseStatus->addItem(tr("503 Service Unavailable (Retry-After)"), 503);
    m_refuseStatus->addItem(tr("500 Internal Server Error"), 500);
    m_refuseStatus->addItem(tr("204 No Content (stop reconnecting)"), 204);

    auto *grid = new QGridLayout;
    addButton(grid, 0, 0, Fault::Kind::Close, tr("Kick"),
              tr("Close cleanly: flush what is queued, then FIN. Clients reconnect."));
    addButton(grid, 0, 1, Fault::Kind::Reset, tr("Reset"), tr("Abort with a TCP RST"));
    addButton(grid, 0, 2, Fault::Kind::Cut, tr("Cut mid-event"),
              tr("Write part of the next event frame, then close"));
    addButton(grid, 1, 0, Fault::Kind::Stall, tr("Stall"),
              tr("Keep the socket open and write nothing, heartbeats included"));
    addButton(grid, 1, 1, Fault::Kind::Resume, tr("Resume"), tr("End a stall or a drip"));
    addButton(grid, 2, 0, Fault::Kind::Drip, tr("Drip at"), tr("Write at most this many bytes/s"));
    grid->addWidget(m_dripRate, 2, 1);
    addButton(grid, 3, 0, Fault::Kind::DropAfterEvents, tr("Drop after"),
              tr("Close cleanly after this many more events"));
    grid->addWidget(m_dropEvents, 3, 1);
    addButton(grid, 4, 0, Fault::Kind::DropAfterTime, tr("Drop after"),
              tr("Close cleanly after this long"));
    grid->addWidget(m_dropMs, 4, 1);
    addButton(grid, 5, 0, Fault::Kind::RetryThenClose, tr("Retry, then close"),
              tr("Send \"retry: ms\" so clients wait that long, then close cleanly"));
    grid->addWidget(m_retryMs, 5, 1);
    addButton(grid, 6, 0, Fault::Kind::Refuse, tr("Refuse next"),
              tr("Answer the next stream requests with this status instead of a stream"));
    grid->addWidget(m_refuseCount, 6, 1);
    grid->addWidget(m_refuseStatus, 6, 2);
    grid->setColumnStretch(3, 1);

    auto *scopeRow = new QHBoxLayout;
    scopeRow->addWidget(new QLabel(tr("Apply to"), this));
    scopeRow->addWidget(m_scope);
    scopeRow->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(scopeRow);
    layout->addLayout(grid);
    layout->addStretch();
}

void FaultPanel::addButton(QGridLayout *grid, int row, int column, Fault::Kind kind,
                           const QString &text, const QString &toolTip)
{
    auto *button = new QPushButton(text, this);
    button->setObjectName(QStringLiteral("fault_") + Fault::name(kind));
    button->setToolTip(toolTip);
    connect(button, &QPushButton::clicked, this,
            [this, kind] { Q_EMIT faultRequested(fault(kind)); });
    grid->addWidget(button, row, column);
}

bool FaultPanel::appliesToAll() const
{
    return m_scope->currentIndex() == 1;
}

void FaultPanel::setAppliesToAll(bool all)
{
    m_scope->setCurrentIndex(all ? 1 : 0);
}

Fault FaultPanel::fault(Fault::Kind kind) const
{
    Fault f;
    f.kind = kind;
    f.allClients = appliesToAll();
    f.bytesPerSecond = m_dripRate->value();
    f.events = m_dropEvents->value();
    f.milliseconds = m_dropMs->value();
    f.retryMs = m_retryMs->value();
    f.count = m_refuseCount->value();
    f.status = m_refuseStatus->currentData().toInt();
    return f;
}

} // namespace Herald
