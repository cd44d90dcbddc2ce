// attribute_requirements (OIDC, SAML) and CAS required_attributes, as Synapse's
// _check_attribute_requirement: every requirement must hold; without `value` or `one_of` presence
// is enough; otherwise the value (or any of `one_of`) must be among the attribute's values, exactly.
// Scalar claims count as one-element lists; non-string values never equal a string requirement.
import type { AttributeRequirement } from "./config";

export function meetsAttributeRequirements(attributes: Record<string, unknown>, requirements: AttributeRequirement[]): boolean {
  return requirements.every((requirement) => {
    if (!(requirement.attribute in attributes)) return false;
    const raw = attributes[requirement.attribute];
    const values = Array.isArray(raw) ? raw : [raw];
    if (requirement.value === undefined && requirement.one_of === undefined) return true;
    const accepted = [...(requirement.one_of ?? [])];
    if (requirement.value !== undefined) accepted.push(requirement.value);
    return values.some((value) => typeof value === "string" && accepted.includes(value));
  });
}
