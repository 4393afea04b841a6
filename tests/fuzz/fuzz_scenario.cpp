// Arbitrary scenario files: the loader either gives a scenario or an error naming a JSON path.

#include "scenario/scenarioparser.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    Herald::ScenarioParser parser(QStringLiteral("fuzz.json"));
    const std::optional<Herald::Scenario> scenario = parser.parse(input);
    if (scenario.has_value() == !parser.error().isEmpty())
        std::abort();
    if (!scenario && !parser.error().startsWith(QLatin1String("fuzz.json")))
        std::abort();
    return 0;
}
