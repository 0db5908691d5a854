import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageFetcher } from "./image-fetcher.js";
import { isPublicAddress } from "./public-address.js";

const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
let server: Server;
let origin = "";

beforeAll(async () => {
  server = createServer((request, response) => {
    const port = (server.address() as AddressInfo).port;
    switch (request.url) {
      case "/cat.png":
        response.writeHead(200, { "content-type": "image/png" }).end(png);
        return;
      case "/to-cat":
        response.writeHead(302, { location: "/cat.png" }).end();
        return;
      case "/to-other-host":
        // 127.0.0.2 is loopback too, but not on the test's allow-list: the hop must be re-checked.
        response.writeHead(302, { location: `http://127.0.0.2:${port}/cat.png` }).end();
        return;
      case "/big.png":
        response.writeHead(200, { "content-type": "image/png" }).end(Buffer.alloc(4096));
        return;
      case "/page":
        response.writeHead(200, { "content-type": "text/html" }).end("<html></html>");
        return;
      default:
        response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const signal = new AbortController().signal;

describe("ImageFetcher", () => {
  const onlyFirstLoopback = new ImageFetcher({
    maxBytes: 1024,
    timeoutMs: 2_000,
    isAllowedAddress: (address) => address === "127.0.0.1",
  });

  it("fetches an image, following an allowed redirect", async () => {
    const image = await onlyFirstLoopback.fetch(`${origin}/to-cat`, signal);
    expect(image.mediaType).toBe("image/png");
    expect(Buffer.from(image.data, "base64").equals(png)).toBe(true);
  });

  it("re-checks every redirect hop", async () => {
    await expect(onlyFirstLoopback.fetch(`${origin}/to-other-host`, signal)).rejects.toThrow(
      /non-public address/,
    );
  });

  it("caps the size and refuses what is not an image", async () => {
    await expect(onlyFirstLoopback.fetch(`${origin}/big.png`, signal)).rejects.toThrow(/larger than 1024/);
    await expect(onlyFirstLoopback.fetch(`${origin}/page`, signal)).rejects.toThrow(/not an image/);
    await expect(onlyFirstLoopback.fetch("file:///etc/passwd", signal)).rejects.toThrow(/only http/);
  });

  it("refuses loopback, private and metadata addresses by default, by name or by literal", async () => {
    const fetcher = new ImageFetcher({ maxBytes: 1024, timeoutMs: 2_000 });
    try {
      await expect(fetcher.fetch(`${origin}/cat.png`, signal)).rejects.toThrow(/non-public address/);
      const port = new URL(origin).port;
      await expect(fetcher.fetch(`http://localhost:${port}/cat.png`, signal)).rejects.toThrow(
        /non-public address/,
      );
      await expect(fetcher.fetch("http://169.254.169.254/latest/meta-data", signal)).rejects.toThrow(
        /non-public address/,
      );
      await expect(fetcher.fetch("http://[::ffff:10.0.0.1]/x.png", signal)).rejects.toThrow(
        /non-public address/,
      );
    } finally {
      await fetcher.close();
    }
  });

  it("classifies addresses", () => {
    for (const address of ["8.8.8.8", "2001:4860:4860::8888"]) expect(isPublicAddress(address)).toBe(true);
    for (const address of [
      "127.0.0.1",
      "10.0.0.1",
      "192.168.1.1",
      "172.16.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "0.0.0.0",
      "224.0.0.1",
    ]) {
      expect(isPublicAddress(address)).toBe(false);
    }
  });
});
