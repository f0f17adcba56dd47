// What a subscriber gets of a change record: the change, when it may see
// the item (common/audience decides, as for every read); a WITHDRAWN
// record, when it could see the item before an update and may not now (so
// that its copy goes); or nothing.
#ifndef RCP_SERVICES_GATEWAY_SUBSCRIBE_DELIVERY_H_
#define RCP_SERVICES_GATEWAY_SUBSCRIBE_DELIVERY_H_

#include <string>
#include <vector>

#include "common/audience/audience.h"
#include "common/resource/kinds.h"
#include "rcp/common/v1/common.pb.h"

namespace rcp::gateway::subscribe {

enum class Delivery { kNone, kChange, kWithdrawal };

// `change` came from `service`'s feed. Sets `processes` to the processes
// the item concerns (for a withdrawal, those it was in before the update),
// for Subscribe's process filter. A change of a kind the service does not
// own, or of a kind this gateway does not know, reaches administrators of
// the whole deployment only.
Delivery DeliveryOf(const audience::Viewer& viewer, resource::Service service,
                    const rcp::common::v1::Change& change, std::vector<std::string>* processes);

// The WITHDRAWN record sent instead of `change`: name, kind, revision and
// time, no value.
void Withdrawal(const rcp::common::v1::Change& change, rcp::common::v1::Change* out);

}  // namespace rcp::gateway::subscribe

#endif  // RCP_SERVICES_GATEWAY_SUBSCRIBE_DELIVERY_H_
