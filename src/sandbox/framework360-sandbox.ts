import { randomUUID } from 'node:crypto';
import { zodProblems } from '../core/schema-primitives';
import { productSchema, type Fw360Product } from '../framework360/schemas';
import { signBody } from '../framework360/signature';
import { fetchColumn, renderAdminList, sendExport, type ExportReportView } from './admin-pages';
import { FaultInjector } from './faults';
import { json, Router, startServer, type Reply, type RunningServer, type SandboxRequest } from './http-server';

export interface Framework360SandboxOptions {
  port?: number;
  apiKey?: string;
  webhookSecret?: string;
  webhookUrl?: string;
  siteName?: string;
  /** First redelivery delay; doubles up to maxRedeliveryDelayMs. */
  redeliveryDelayMs?: number;
  /** This package's status API, for the "TotalGest" column of /admin/orders and /admin/products. */
  statusUrl?: string;
  statusToken?: string;
  maxRedeliveryDelayMs?: number;
}

export interface Delivery {
  delivery: string;
  orderId: number;
  event: string;
  attempts: number;
  /** HTTP status of each attempt (0 = no answer). */
  statuses: number[];
  delivered: boolean;
}

/** One API request as the sandbox saw it: arrival, and when and how it was answered (the server's clock). */
export interface Fw360LoggedRequest {
  method: string;
  path: string;
  at: number;
  status?: number;
  doneAt?: number;
  retryAfter?: string;
}

type Order = Record<string, unknown> & {
  id: number;
  data_ordine: string;
  stato: { id: number | string; nome: string };
};

let orderSeq = 20_000;

function sameHost(url: string, host: string | string[] | undefined): boolean {
  try {
    return typeof host === 'string' && new URL(url).host === host;
  } catch {
    return false;
  }
}

/** A complete, eligible order for the demo and the tests; fields given to POST /_sandbox/orders override it. */
export function templateOrder(id: number, now = new Date()): Order {
  return {
    id,
    numero: `${now.getUTCFullYear()}/${id}`,
    data_ordine: now.toISOString().replace('Z', '+00:00'),
    data_modifica: now.toISOString(),
    stato: { id: 3, nome: 'Completato' },
    pagato: true,
    valuta: 'CHF',
    pagamento: { id: 1, nome: 'Carta', tipo: 'carta' },
    cliente: {
      id: 900,
      nome: 'Demo',
      cognome: 'Cliente',
      email: 'demo@example.ch',
      telefono_cellulare: '+41 79 000 00 00',
    },
    dati_fatturazione: {
      ragione_sociale: '',
      nome: 'Demo',
      cognome: 'Cliente',
      indirizzo: 'Via Nassa 5',
      cap: '6900',
      comune: 'Lugano',
      citta: 'TI',
      nazione: 'CH',
      piva: '',
      email: 'demo@example.ch',
      telefono: '+41 79 000 00 00',
    },
    dati_spedizione: null,
    carrello: [
      {
        id_prodotto: 50,
        sku: 'CAF-250',
        nome: 'Caffè in grani 250 g',
        quantita: 2,
        prezzo: '12.90',
        iva: '2.6',
        sconto: '0.00',
      },
    ],
    spedizione: { id: 1, nome: 'Posta A', costo: '7.00', iva: '8.1' },
    coupon: null,
    totale: '32.80',
    note: '',
  };
}

/**
 * Framework360 as this package assumes it (docs/api-assumptions.md): the `/m/api`
 * calls with their `{status:0,error}` answers, and a shop that places orders and delivers
 * them as signed webhooks, redelivering until it gets a 2xx.
 */
export class Framework360Sandbox {
  readonly faults = new FaultInjector();
  readonly orders = new Map<number, Order>();
  readonly products = new Map<string, Fw360Product & { id: number }>();
  readonly deliveries: Delivery[] = [];
  readonly requests: Fw360LoggedRequest[] = [];
  apiKey: string;
  webhookSecret: string;
  webhookUrl: string | undefined;
  statusUrl: string | undefined;
  statusToken: string | undefined;
  private server: RunningServer | undefined;
  private productSeq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private generation = 0;

  constructor(private readonly opts: Framework360SandboxOptions = {}) {
    this.apiKey = opts.apiKey ?? 'demo-key';
    this.webhookSecret = opts.webhookSecret ?? 'demo-webhook-secret';
    this.webhookUrl = opts.webhookUrl;
    this.statusUrl = opts.statusUrl;
    this.statusToken = opts.statusToken;
  }

  get url(): string {
    if (!this.server) throw new Error('sandbox not started');
    return this.server.url;
  }

  async start(port = this.opts.port ?? 8451): Promise<string> {
    this.server = await startServer(this.router(), {
      port,
      middleware: async (req, res) => {
        if (!req.path.startsWith('/_sandbox/')) {
          const entry: Fw360LoggedRequest = { method: req.method, path: req.path, at: Date.now() };
          this.requests.push(entry);
          res.once('finish', () => {
            entry.status = res.statusCode;
            entry.doneAt = Date.now();
            const ra = res.getHeader('retry-after');
            if (ra !== undefined) entry.retryAfter = String(ra);
          });
          if (this.requests.length > 200_000) this.requests.splice(0, 50_000);
        }
        return this.faults.middleware(req, res);
      },
      onClose: () => this.faults.reset(),
    });
    return this.server.url;
  }

  async stop(): Promise<void> {
    this.stopDeliveries();
    await this.server?.close();
    this.server = undefined;
  }

  private stopDeliveries(): void {
    this.generation += 1;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  reset(): void {
    this.stopDeliveries();
    this.faults.reset();
    this.orders.clear();
    this.products.clear();
    this.deliveries.length = 0;
    this.requests.length = 0;
    this.productSeq = 0;
  }

  /** Places an order; unless `deliver` is false, sends it as a signed webhook. */
  placeOrder(
    partial: Record<string, unknown>,
    deliver = true,
    event = 'order.completed',
  ): { order: Order; delivery: string | null } {
    const id = typeof partial.id === 'number' ? partial.id : ++orderSeq;
    const order = { ...templateOrder(id), ...partial, id } as Order;
    this.orders.set(id, order);
    if (!deliver || !this.webhookUrl) return { order, delivery: null };
    const d: Delivery = { delivery: randomUUID(), orderId: id, event, attempts: 0, statuses: [], delivered: false };
    this.deliveries.push(d);
    const body = JSON.stringify({
      event,
      site: this.opts.siteName ?? 'demo-shop.example.ch',
      sentAt: new Date().toISOString(),
      data: order,
    });
    void this.deliver(d, body, this.opts.redeliveryDelayMs ?? 500, this.generation);
    return { order, delivery: d.delivery };
  }

  /**
   * Changes a placed order (paid, cancelled, edited) as the shop's back office would: a new
   * `data_modifica`, and an `order.updated` webhook unless `deliver` is false.
   */
  updateOrder(id: number, changes: Record<string, unknown>, deliver = true): { order: Order; delivery: string | null } {
    const current = this.orders.get(id);
    if (!current) throw new Error(`order ${id} not found`);
    const at = Math.max(Date.now(), Date.parse(String(current.data_modifica ?? '')) + 1 || 0);
    const order = { ...current, ...changes, id, data_modifica: new Date(at).toISOString() } as Order;
    this.orders.set(id, order);
    if (!deliver || !this.webhookUrl) return { order, delivery: null };
    const d: Delivery = {
      delivery: randomUUID(),
      orderId: id,
      event: 'order.updated',
      attempts: 0,
      statuses: [],
      delivered: false,
    };
    this.deliveries.push(d);
    const body = JSON.stringify({
      event: 'order.updated',
      site: this.opts.siteName ?? 'demo-shop.example.ch',
      sentAt: new Date(at).toISOString(),
      data: order,
    });
    void this.deliver(d, body, this.opts.redeliveryDelayMs ?? 500, this.generation);
    return { order, delivery: d.delivery };
  }

  private async deliver(d: Delivery, body: string, delayMs: number, generation: number): Promise<void> {
    if (generation !== this.generation || !this.webhookUrl) return;
    d.attempts += 1;
    let status = 0;
    try {
      const res = await fetch(this.webhookUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Fw360-Event': d.event,
          'X-Fw360-Delivery': d.delivery,
          'X-Fw360-Signature': signBody(this.webhookSecret, body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    d.statuses.push(status);
    if (status >= 200 && status < 300) {
      d.delivered = true;
      return;
    }
    if (generation !== this.generation) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(d, body, Math.min(delayMs * 2, this.opts.maxRedeliveryDelayMs ?? 10_000), generation);
    }, delayMs);
    this.timers.add(timer);
  }

  private checkKey(req: SandboxRequest): Reply | undefined {
    if (req.headers['x-fw360-key'] !== this.apiKey) return json(200, { status: 0, error: 'Invalid API key' });
    return undefined;
  }

  private router(): Router {
    const r = new Router();
    const api = (method: string, path: string, fn: (req: SandboxRequest) => Reply): void => {
      r.on(method, `/m/api/${path}`, (req) => this.checkKey(req) ?? fn(req));
    };
    api('GET', 'check', () =>
      json(200, {
        status: 1,
        data: { site: this.opts.siteName ?? 'demo-shop.example.ch', name: 'Demo Shop (Framework360 sandbox)' },
      }),
    );
    const getOrder = (req: SandboxRequest): Reply => {
      const id = Number(req.query.get('id') ?? (req.body as { id?: unknown } | undefined)?.id);
      const order = this.orders.get(id);
      return order
        ? json(200, { status: 1, data: order })
        : json(200, { status: 0, error: `Order ${String(id)} not found` });
    };
    api('GET', 'orders/get', getOrder);
    api('POST', 'orders/get', getOrder);
    api('GET', 'orders/list', (req) => this.listOrders(req));
    api('POST', 'products/save', (req) => this.saveProduct(req.body));
    r.on('POST', '/_sandbox/reset', () => (this.reset(), json(200, { ok: true })));
    r.on('POST', '/_sandbox/faults', (req) => json(200, this.faults.configure(req.body)));
    r.on('POST', '/_sandbox/config', (req) => {
      const b = (req.body ?? {}) as {
        webhookUrl?: unknown;
        webhookSecret?: unknown;
        apiKey?: unknown;
        statusUrl?: unknown;
        statusToken?: unknown;
      };
      if (typeof b.webhookUrl === 'string') this.webhookUrl = b.webhookUrl;
      if (typeof b.statusUrl === 'string') this.statusUrl = b.statusUrl;
      if (typeof b.statusToken === 'string') this.statusToken = b.statusToken;
      if (typeof b.webhookSecret === 'string') this.webhookSecret = b.webhookSecret;
      if (typeof b.apiKey === 'string') this.apiKey = b.apiKey;
      return json(200, { webhookUrl: this.webhookUrl ?? null });
    });
    r.on('POST', '/_sandbox/orders', (req) => {
      const b = (req.body ?? {}) as { order?: unknown; deliver?: unknown; event?: unknown };
      const partial = (b.order && typeof b.order === 'object' ? b.order : 'carrello' in b ? b : {}) as Record<
        string,
        unknown
      >;
      const placed = this.placeOrder(
        partial,
        b.deliver !== false,
        typeof b.event === 'string' ? b.event : 'order.completed',
      );
      return json(201, { id: placed.order.id, delivery: placed.delivery });
    });
    r.on('POST', '/_sandbox/orders/update', (req) => {
      const b = (req.body ?? {}) as { id?: unknown; changes?: unknown; deliver?: unknown };
      if (typeof b.id !== 'number' || !this.orders.has(b.id))
        return json(404, { error: `order ${String(b.id)} not found` });
      const changes = typeof b.changes === 'object' && b.changes !== null ? (b.changes as Record<string, unknown>) : {};
      const updated = this.updateOrder(b.id, changes, b.deliver !== false);
      return json(200, { id: updated.order.id, delivery: updated.delivery, order: updated.order });
    });
    r.on('GET', '/_sandbox/orders', () => json(200, { items: [...this.orders.values()] }));
    r.on('GET', '/_sandbox/deliveries', () => json(200, { items: this.deliveries }));
    r.on('GET', '/_sandbox/products', () => json(200, { items: [...this.products.values()] }));
    r.on('GET', '/_sandbox/requests', () => json(200, { items: this.requests }));
    r.on('GET', '/admin/orders', (req) => this.adminOrders(req));
    r.on('POST', '/admin/orders', async (req) => {
      // The shop sends with its own token: only its own page may ask it to (no cross-site form posts).
      const origin = req.headers.origin ?? req.headers.referer;
      if (typeof origin !== 'string' || !sameHost(origin, req.headers.host))
        return json(403, { error: 'cross-site request refused' });
      const ids = req.body instanceof URLSearchParams ? req.body.getAll('ids').filter(Boolean) : [];
      const report = ids.length ? await sendExport(this.statusUrl, this.statusToken, ids) : 'nessun ordine selezionato';
      return this.adminOrders(req, report);
    });
    r.on('GET', '/admin/products', (req) => this.adminProducts(req));
    return r;
  }

  private static page<T>(all: T[], req: SandboxRequest, size = 50): { items: T[]; page: number; pages: number } {
    const pages = Math.max(1, Math.ceil(all.length / size));
    const page = Math.min(pages, Math.max(1, Number(req.query.get('page') ?? '1') || 1));
    return { items: all.slice((page - 1) * size, page * size), page, pages };
  }

  private async adminOrders(req: SandboxRequest, report?: ExportReportView | string): Promise<Reply> {
    const all = [...this.orders.values()].sort((a, b) => b.id - a.id);
    const { items, page, pages } = Framework360Sandbox.page(all, req);
    const status = await fetchColumn(
      this.statusUrl,
      this.statusToken,
      'orders',
      items.map((o) => String(o.id)),
    );
    const rows = items.map((o) => ({
      id: String(o.id),
      cells: [o.id, o.numero, o.data_ordine, o.stato?.nome, o.totale],
    }));
    return {
      status: 200,
      html: renderAdminList({
        title: 'Ordini',
        kind: 'orders',
        headers: ['ID', 'Numero', 'Data', 'Stato', 'Totale'],
        rows,
        status,
        page,
        pages,
        report,
      }),
    };
  }

  private async adminProducts(req: SandboxRequest): Promise<Reply> {
    const all = [...this.products.values()].sort((a, b) => a.sku.localeCompare(b.sku));
    const { items, page, pages } = Framework360Sandbox.page(all, req);
    const status = await fetchColumn(
      this.statusUrl,
      this.statusToken,
      'products',
      items.map((p) => p.sku),
    );
    const rows = items.map((p) => ({ id: p.sku, cells: [p.sku, p.name, p.price, p.stock, p.active ? 'sì' : 'no'] }));
    return {
      status: 200,
      html: renderAdminList({
        title: 'Prodotti',
        kind: 'products',
        headers: ['SKU', 'Nome', 'Prezzo', 'Giacenza', 'Attivo'],
        rows,
        status,
        page,
        pages,
      }),
    };
  }

  private listOrders(req: SandboxRequest): Reply {
    const page = Number(req.query.get('page') ?? '1');
    const limit = Number(req.query.get('limit') ?? '50');
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1 || limit > 500) {
      return json(200, { status: 0, error: 'page must be ≥ 1 and limit 1..500' });
    }
    const statuses = req.query.getAll('statuses[]');
    const range = req.query.get('daterange');
    let from = -Infinity;
    let to = Infinity;
    if (range) {
      const [a, b] = range.split(',');
      from = a ? Date.parse(a) : -Infinity;
      to = b ? Date.parse(b) : Infinity;
      if (Number.isNaN(from) || Number.isNaN(to))
        return json(200, { status: 0, error: 'daterange must be "<from ISO>,<to ISO>"' });
    }
    const all = [...this.orders.values()]
      .filter((o) => statuses.length === 0 || statuses.includes(String(o.stato?.id)))
      .filter((o) => {
        const t = Date.parse(o.data_ordine);
        return t >= from && t <= to;
      })
      .sort((a, b) => Date.parse(a.data_ordine) - Date.parse(b.data_ordine) || a.id - b.id);
    const pages = Math.max(1, Math.ceil(all.length / limit));
    return json(200, {
      status: 1,
      data: { items: all.slice((page - 1) * limit, page * limit), page, pages, total: all.length },
    });
  }

  private saveProduct(body: unknown): Reply {
    const p = productSchema.safeParse(body);
    if (!p.success) {
      const d = zodProblems(p.error)[0];
      return json(200, { status: 0, error: `Invalid product: ${d?.path} ${d?.message}` });
    }
    const existing = this.products.get(p.data.sku);
    const id = existing?.id ?? ++this.productSeq;
    this.products.set(p.data.sku, { id, ...p.data });
    return json(200, { status: 1, data: { id } });
  }
}
