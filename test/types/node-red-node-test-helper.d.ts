declare module 'node-red-node-test-helper' {
  import type { Node } from 'node-red';

  interface TestNode extends Node {
    [key: string]: unknown;
  }
  interface TestResponse {
    status: number;
    body: any;
    text: string;
  }
  interface TestRequest extends PromiseLike<TestResponse> {
    send(body: unknown): TestRequest;
    set(name: string, value: string): TestRequest;
  }
  interface Helper {
    /** supertest on the admin app (it is not mounted on the helper's HTTP server). */
    request(): { get(path: string): TestRequest; post(path: string): TestRequest };
    init(nodeRedRuntime: string, userSettings?: Record<string, unknown>): void;
    load(nodes: unknown | unknown[], flow: object[], credentials?: Record<string, object>): Promise<void>;
    getNode(id: string): TestNode;
    unload(): Promise<void>;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    settings(s: Record<string, unknown>): void;
    url(): string;
    _RED: { settings: Record<string, unknown> };
  }
  const helper: Helper;
  export = helper;
}
