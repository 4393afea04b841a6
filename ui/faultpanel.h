#pragma once

#include "faults/fault.h"

#include <QWidget>

class QComboBox;
class QGridLayout;
class QSpinBox;

namespace Herald {

// The server-side faults QA forces on purpose (faults/fault.h), with their parameters. It only
// says what was asked for; the window fills in the selected clients and sends it to the server.
class FaultPanel : public QWidget
{
    Q_OBJECT

public:
    explicit FaultPanel(QWidget *parent = nullptr);

    // Whether client faults go to every stream rather than the selected ones.
    bool appliesToAll() const;
    void setAppliesToAll(bool all);

    // The fault a button makes, with the parameters as set now.
    Fault fault(Fault::Kind kind) const;

Q_SIGNALS:
    // clients is empty and allClients tells the scope; the receiver fills in the selection.
    void faultRequested(const Herald::Fault &fault);

private:
    void addButton(QGridLayout *grid, int row, int column, Fault::Kind kind, const QString &text,
                   const QString &toolTip);

    QComboBox *m_scope;
    QSpinBox *m_dripRate;
    QSpinBox *m_dropEvents;
    QSpinBox *m_dropMs;
    QSpinBox *m_retryMs;
    QSpinBox *m_refuseCount;
    QComboBox *m_refuseStatus;
};

} // namespace Herald
