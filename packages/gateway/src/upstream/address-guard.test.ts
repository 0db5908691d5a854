import { describe, expect, it } from "vitest";
import { isForbiddenUpstreamAddress } from "./address-guard.js";

describe("upstream address guard", () => {
  it("refuses link-local and metadata addresses, allows loopback and private networks", () => {
    for (const address of [
      "169.254.169.254",
      "169.254.1.1",
      "fe80::1",
      "[fe80::1]",
      "fd00:ec2::254",
      "100.100.100.200",
      "::ffff:169.254.169.254",
    ]) {
      expect(isForbiddenUpstreamAddress(address), address).toBe(true);
    }
    for (const address of ["127.0.0.1", "10.0.0.5", "192.168.1.2", "::1", "8.8.8.8", "api.openai.com"]) {
      expect(isForbiddenUpstreamAddress(address), address).toBe(false);
    }
  });
});
