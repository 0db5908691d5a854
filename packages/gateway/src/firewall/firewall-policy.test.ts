import { describe, expect, it } from "vitest";
import { firewallPolicy } from "./firewall-policy.js";

const scope = { orgId: "acme", keyName: "web", rule: null, model: "together/guard" };

describe("firewall policy", () => {
  it("is off unless the config or the header turns it on; the header cannot turn the config's off", () => {
    expect(firewallPolicy({}, undefined, scope)).toBeNull();
    expect(firewallPolicy({ "floopy-llm-security-enabled": "true" }, undefined, scope)).toMatchObject({
      model: "together/guard",
      onError: "allow",
      pii: "off",
    });
    expect(
      firewallPolicy({ "floopy-llm-security-enabled": "false" }, { enabled: true }, scope),
    ).not.toBeNull();
    expect(() => firewallPolicy({ "floopy-llm-security-enabled": "sure" }, undefined, scope)).toThrow(
      /floopy-llm-security-enabled/,
    );
  });

  it("layers org, key and rule overrides", () => {
    const config = {
      orgs: { acme: { enabled: true, pii: "redact" as const } },
      keys: { web: { on_error: "block" as const } },
      rules: { cheap: { safety_model: false } },
    };
    expect(firewallPolicy({}, config, scope)).toMatchObject({
      pii: "redact",
      onError: "block",
      model: "together/guard",
    });
    expect(firewallPolicy({}, config, { ...scope, rule: "cheap" })?.model).toBeNull();
    expect(firewallPolicy({}, config, { ...scope, orgId: "other", keyName: "x" })).toBeNull();
  });
});
