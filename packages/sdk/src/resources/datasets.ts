/**
 * `/v1/datasets`: inputs (and expected answers) to run evaluations over, uploaded as JSON or as
 * NDJSON (one item a line). Items are the caller's data: their keys are sent and read as written.
 */
import type OpenAI from "openai";
import type { PagePromise } from "../cursor-page.js";
import type { RequestOptions } from "../request-options.js";
import type { Query } from "../transport.js";
import { FLAT, fromWire, toWire } from "../wire-case.js";
import type { ListQuery } from "./experiments.js";
import { Resource, segment } from "./resource.js";

export interface DatasetItemInput {
  /** OpenAI chat messages, whose string contents may hold `{{variable}}`s. */
  messages?: OpenAI.Chat.Completions.ChatCompletionMessageParam[];
  /** Values for a prompt's `{{variable}}`s. */
  inputs?: Record<string, unknown>;
}

export interface DatasetItemCreate {
  input: DatasetItemInput;
  /** What a scorer compares the answer with. */
  expected?: unknown;
}

export interface DatasetCreate {
  name: string;
  items: DatasetItemCreate[];
}

export interface Dataset {
  id: string;
  name: string;
  itemCount: number;
  createdAt: string;
}

export interface DatasetItem extends DatasetItemCreate {
  id?: string;
  datasetId?: string;
  createdAt?: string;
}

export class Datasets extends Resource {
  /**
   * Creates a dataset from a JSON body.
   *
   * @example
   * const dataset = await client.datasets.create({
   *   name: "capitals",
   *   items: [{ input: { messages: [{ role: "user", content: "Capital of France?" }] }, expected: "Paris" }],
   * });
   */
  async create(dataset: DatasetCreate, options?: RequestOptions): Promise<Dataset> {
    const body = await this.transport.json(
      // Items are user data: sent with their keys exactly as given.
      { method: "POST", path: "/datasets", body: { name: dataset.name, items: dataset.items } },
      options,
    );
    return fromWire(body) as Dataset;
  }

  /**
   * Creates a dataset from items sent as NDJSON (`application/x-ndjson`, one item a line), e.g.
   * read from a file: a string is sent as it is, an (async) iterable of items one line each.
   *
   * @example
   * import { readFile } from "node:fs/promises";
   * const dataset = await client.datasets.upload("capitals", await readFile("capitals.ndjson", "utf8"));
   */
  async upload(
    name: string,
    items: string | Iterable<DatasetItemCreate> | AsyncIterable<DatasetItemCreate>,
    options?: RequestOptions,
  ): Promise<Dataset> {
    const body = await this.transport.json(
      {
        method: "POST",
        path: "/datasets",
        query: { name },
        body: typeof items === "string" ? items : await ndjson(items),
        contentType: "application/x-ndjson",
      },
      options,
    );
    return fromWire(body) as Dataset;
  }

  /**
   * One page of datasets.
   *
   * @example
   * const { items } = await client.datasets.list({ limit: 10 });
   */
  list(query: ListQuery = {}, options?: RequestOptions): PagePromise<Dataset> {
    return this.page("/datasets", toWire(query) as Query, FLAT, options);
  }

  /**
   * Every dataset, across pages.
   *
   * @example
   * for await (const dataset of client.datasets.iterate()) console.log(dataset.name, dataset.itemCount);
   */
  iterate(query: ListQuery = {}, options?: RequestOptions): AsyncGenerator<Dataset, void, undefined> {
    return this.everyItem("/datasets", toWire(query) as Query, FLAT, options);
  }

  /**
   * One dataset.
   *
   * @example
   * const { itemCount } = await client.datasets.get(datasetId);
   */
  async get(datasetId: string, options?: RequestOptions): Promise<Dataset> {
    const body = await this.transport.json(
      { method: "GET", path: `/datasets/${segment(datasetId)}` },
      options,
    );
    return fromWire(body) as Dataset;
  }

  /**
   * One page of a dataset's items; `for await` over it reads them all.
   *
   * @example
   * for await (const item of client.datasets.items(datasetId)) console.log(item.input, item.expected);
   */
  items(datasetId: string, query: ListQuery = {}, options?: RequestOptions): PagePromise<DatasetItem> {
    return this.page(`/datasets/${segment(datasetId)}/items`, toWire(query) as Query, FLAT, options);
  }

  /**
   * Every item of a dataset, across pages.
   *
   * @example
   * for await (const item of client.datasets.iterateItems(datasetId)) console.log(item.expected);
   */
  iterateItems(
    datasetId: string,
    query: ListQuery = {},
    options?: RequestOptions,
  ): AsyncGenerator<DatasetItem, void, undefined> {
    return this.everyItem(`/datasets/${segment(datasetId)}/items`, toWire(query) as Query, FLAT, options);
  }
}

async function ndjson(
  items: Iterable<DatasetItemCreate> | AsyncIterable<DatasetItemCreate>,
): Promise<string> {
  let text = "";
  for await (const item of items) text += `${JSON.stringify(item)}\n`;
  return text;
}
