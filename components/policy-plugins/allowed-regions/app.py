"""A sample third-party policy plugin in Python (world `policy-plugin`), built
with componentize-py: AWS resources must live in the organisation's allowed
regions.

The regions are the plugin's `regions` setting (comma-separated, default
`eu-west-1,eu-central-1`). A resource's region comes from its `region`
attribute (AWS provider 6 sets one per resource) or its `availability_zone`.
Values known only after apply (`{"$unknown": ...}`) are neither passed nor
failed. Build: `scripts/components build` (see docs/components.md).
"""

import json
from typing import List, Optional, Tuple

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.policy import PluginInfo, PolicyResource, PolicyRule
from wit_world.imports.types import PluginFinding, Severity

RULE = "REGION-001"
TITLE = "AWS resources are created only in allowed regions"
DEFAULT_REGIONS = "eu-west-1,eu-central-1"


def region_of(attributes: dict) -> Optional[str]:
    region = attributes.get("region")
    if isinstance(region, str):
        return region
    zone = attributes.get("availability_zone")
    # `eu-west-1a` is in `eu-west-1`.
    if isinstance(zone, str) and len(zone) > 1 and zone[-1].isalpha():
        return zone[:-1]
    return None


class Policy(exports.Policy):
    def metadata(self) -> PluginInfo:
        return PluginInfo(
            name="allowed-regions",
            version="0.1.0",
            description="AWS resources must be in an allowed region",
            rules=[PolicyRule(id=RULE, title=TITLE, severity=Severity.HIGH)],
        )

    def evaluate(
        self, resources: List[PolicyResource], config: List[Tuple[str, str]]
    ) -> List[PluginFinding]:
        settings = dict(config)
        allowed = {
            r.strip()
            for r in settings.get("regions", DEFAULT_REGIONS).split(",")
            if r.strip()
        }
        findings = []
        for resource in resources:
            if resource.is_data or not resource.resource_type.startswith("aws_"):
                continue
            if resource.action in ("delete", "no-op", "read"):
                continue
            try:
                attributes = json.loads(resource.attributes_json)
            except ValueError as error:
                raise Err(f"{resource.address}: attributes are not JSON: {error}")
            region = region_of(attributes)
            if region is None or region in allowed:
                continue
            findings.append(
                PluginFinding(
                    rule_id=RULE,
                    severity=Severity.HIGH,
                    title=TITLE,
                    message=f"{resource.address} is in {region}; allowed: {', '.join(sorted(allowed))}",
                    resource=resource.address,
                    file=resource.file,
                    line=resource.line,
                    remediation="Move the resource to an allowed region.",
                )
            )
        return findings
