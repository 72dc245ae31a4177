declare module 'node-red-node-test-helper' {
  /** A loaded node, with the helper's spies: `call:<method>` events for each method call. */
  interface TestNode {
    id: string;
    receive(msg: object): void;
    on(event: string, fn: (...args: any[]) => void): TestNode;
    once(event: string, fn: (...args: any[]) => void): TestNode;
    removeListener(event: string, fn: (...args: any[]) => void): TestNode;
    [key: string]: any;
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
    /** A redeploy of the loaded runtime (type "full" by default). */
    setFlows(flow: object[], type?: string, credentials?: Record<string, object>): Promise<void>;
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
