// Arbitrary fault requests (POST /faults bodies, scenario fault steps).

#include "faults/fault.h"

#include <QJsonDocument>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const QJsonDocument document = QJsonDocument::fromJson(input);
    if (!document.isObject())
        return 0;
    QString error;
    const std::optional<Herald::Fault> fault = Herald::Fault::fromJson(document.object(), &error);
    if (fault.has_value() == !error.isEmpty())
        std::abort();
    // What was accepted reads back the same.
    if (fault) {
        QString again;
        const auto reread = Herald::Fault::fromJson(fault->toJson(), &again);
        if (!reread || reread->toJson() != fault->toJson())
            std::abort();
    }
    return 0;
}
