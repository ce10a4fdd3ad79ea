import { z } from 'zod';
import {
  IngredientMovementSchema,
  IngredientSchema,
  LoginResponseSchema,
  OrderSchema,
  ProductSchema,
  StatsSchema,
  UserProfileSchema,
  type Ingredient,
  type IngredientInput,
  type IngredientMovement,
  type LoginResponse,
  type Order,
  type OrderStatus,
  type Product,
  type Stats,
  type UserPatch,
  type UserProfile,
} from '../../shared/entities';
import { HttpError, UnauthorizedError, ValidationError } from './errors';
import { HttpTransport, type HttpTransportOptions, type JsonResponse, type RequestOptions } from './http-transport';
import {
  filterProductsByIngredient,
  findProductByName,
  findProductsByName,
  formatProductList,
} from './product-helpers';
import { MemorySecretStore, Session, type SecretStore } from './session';

/** One page of a list: the items and the backend's `X-Total-Count` (null when it sent none). */
export interface Page<T> {
  items: T[];
  total: number | null;
}

/** Paging and filters of a list request. */
export interface ListOptions {
  limit?: number;
  offset?: number;
}

/** Parses `value` with `schema`; a mismatch is a ValidationError naming the first bad field. */
function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join('.') : null;
  throw new ValidationError(
    `${what}: unexpected answer${field ? ` at ${field}` : ''}: ${issue?.message ?? 'invalid'}`,
    field,
  );
}

function totalOf(res: JsonResponse): number | null {
  const raw = res.headers['x-total-count'];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return raw !== undefined && Number.isInteger(n) && n >= 0 ? n : null;
}

/**
 * The typed facade over the backend's REST API (backend-contract.md; the seed's
 * `GoBackendClient`): `auth`, `products`, `orders`, `admin`. One keep-alive pool, a
 * timeout per request, bodies capped at 10 MiB, retries only where safe, every answer
 * parsed with zod. The JWT lives here, in the main process, never in the renderer. A 401
 * triggers one shared re-login when credentials were saved; otherwise the session ends
 * with SESSION_EXPIRED.
 */
export class BackendClient {
  readonly session: Session;
  private readonly http: HttpTransport;

  constructor(options: HttpTransportOptions & { secrets?: SecretStore }) {
    this.http = new HttpTransport(options);
    this.session = new Session(options.secrets ?? new MemorySecretStore());
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  // ------------------------------------------------------------------ plumbing

  private async publicCall(method: string, path: string, options: RequestOptions = {}): Promise<JsonResponse> {
    return this.http.request(method, path, options);
  }

  /** A call with the session's token; on 401, one shared re-login and one retry. */
  private async authed(method: string, path: string, options: RequestOptions = {}): Promise<JsonResponse> {
    await this.session.restore();
    const token = this.session.token;
    if (!token) throw new UnauthorizedError('not logged in to the backend', 'NOT_LOGGED_IN');
    try {
      return await this.http.request(method, path, { ...options, token });
    } catch (err) {
      if (!(err instanceof HttpError) || err.status !== 401) throw err;
    }
    // The token was refused. Another call may have re-logged in meanwhile.
    if (this.session.token && this.session.token !== token) {
      return this.http.request(method, path, { ...options, token: this.session.token });
    }
    const renewed = await this.session.relogin((c) => this.requestLogin(c.email, c.password));
    if (!renewed || !this.session.token) {
      await this.session.clear();
      throw new UnauthorizedError('session expired: log in again', 'SESSION_EXPIRED');
    }
    return this.http.request(method, path, { ...options, token: this.session.token });
  }

  private async requestLogin(email: string, password: string): Promise<LoginResponse> {
    try {
      const res = await this.publicCall('POST', '/auth/login', { body: { email, password } });
      return parse(LoginResponseSchema, res.body, 'POST /auth/login');
    } catch (err) {
      if (err instanceof HttpError && err.status === 401) throw new UnauthorizedError('wrong e-mail or password');
      throw err;
    }
  }

  // ---------------------------------------------------------------------- auth

  readonly auth = {
    /** Logs in and keeps the JWT; `remember` also keeps the credentials for re-login. @throws UnauthorizedError on wrong credentials. */
    login: async (email: string, password: string, remember = false): Promise<UserProfile> => {
      const { token, user } = await this.requestLogin(email, password);
      await this.session.set(token, user, remember ? { email, password } : null);
      return user;
    },
    /** Registers a user (201) and logs in as them. @throws HttpError 409 when the e-mail exists. */
    register: async (email: string, password: string, name: string): Promise<UserProfile> => {
      const res = await this.publicCall('POST', '/auth/register', { body: { email, password, name } });
      const { token, user } = parse(LoginResponseSchema, res.body, 'POST /auth/register');
      await this.session.set(token, user, null);
      return user;
    },
    /** Asks the backend whether a token is valid. */
    verify: async (
      token: string,
    ): Promise<{ valid: boolean; user_id?: string; role?: string; expires_at?: string }> => {
      const res = await this.publicCall('POST', '/auth/verify', { body: { token } });
      return parse(
        z.object({
          valid: z.boolean(),
          user_id: z.coerce.string().optional(),
          role: z.string().optional(),
          expires_at: z.string().optional(),
        }),
        res.body,
        'POST /auth/verify',
      );
    },
    /** Asks the backend whether the session's own token is valid. @throws UnauthorizedError NOT_LOGGED_IN without a session. */
    verifyCurrent: async (): Promise<{ valid: boolean; user_id?: string; role?: string; expires_at?: string }> => {
      await this.session.restore();
      const token = this.session.token;
      if (!token) throw new UnauthorizedError('not logged in to the backend', 'NOT_LOGGED_IN');
      return this.auth.verify(token);
    },
    profile: async (): Promise<UserProfile> =>
      parse(UserProfileSchema, (await this.authed('GET', '/user/profile')).body, 'GET /user/profile'),
    logout: async (): Promise<void> => this.session.clear(),
    /** The logged-in user (restored from the secret store), or null. */
    current: async (): Promise<{ user: UserProfile | null; remembered: boolean }> => {
      await this.session.restore();
      return { user: this.session.token ? this.session.user : null, remembered: this.session.credentials !== null };
    },
  };

  // ------------------------------------------------------------------ products

  readonly products = {
    list: async (): Promise<Product[]> =>
      parse(z.array(ProductSchema), (await this.publicCall('GET', '/products')).body, 'GET /products'),
    /** The best match by name (exact, prefix, substring; case- and accent-insensitive), or null. */
    findByName: async (name: string): Promise<Product | null> => findProductByName(await this.products.list(), name),
    search: async (name: string): Promise<Product[]> => findProductsByName(await this.products.list(), name),
    filterByIngredient: async (ingredient: string): Promise<Product[]> =>
      filterProductsByIngredient(await this.products.list(), ingredient),
    format: formatProductList,
  };

  // -------------------------------------------------------------------- orders

  readonly orders = {
    list: async (): Promise<Order[]> =>
      parse(z.array(OrderSchema), (await this.authed('GET', '/orders')).body, 'GET /orders'),
    recent: async (): Promise<Order[]> =>
      parse(z.array(OrderSchema), (await this.authed('GET', '/orders/recent')).body, 'GET /orders/recent'),
    create: async (items: { product_id: number; quantity: number }[], comment?: string): Promise<Order> =>
      parse(OrderSchema, (await this.authed('POST', '/orders', { body: { items, comment } })).body, 'POST /orders'),
  };

  // --------------------------------------------------------------------- admin

  readonly admin = {
    stats: async (): Promise<Stats> =>
      parse(StatsSchema, (await this.authed('GET', '/admin/stats')).body, 'GET /admin/stats'),
    listUsers: async (page: ListOptions = {}): Promise<Page<UserProfile>> => {
      const res = await this.authed('GET', '/admin/users', { query: { ...page } });
      return { items: parse(z.array(UserProfileSchema), res.body, 'GET /admin/users'), total: totalOf(res) };
    },
    updateUser: async (id: string, patch: UserPatch): Promise<UserProfile> =>
      parse(
        UserProfileSchema,
        (await this.authed('PUT', `/admin/users/${encodeURIComponent(id)}`, { body: patch })).body,
        'PUT /admin/users',
      ),
    deleteUser: async (id: string): Promise<void> => {
      await this.authed('DELETE', `/admin/users/${encodeURIComponent(id)}`);
    },
    listOrders: async (options: ListOptions & { status?: OrderStatus } = {}): Promise<Page<Order>> => {
      const res = await this.authed('GET', '/admin/orders', { query: { ...options } });
      return { items: parse(z.array(OrderSchema), res.body, 'GET /admin/orders'), total: totalOf(res) };
    },
    /** @throws HttpError 409 for a transition the backend does not allow. */
    updateOrderStatus: async (id: number, status: OrderStatus): Promise<Order> =>
      parse(
        OrderSchema,
        (await this.authed('PUT', `/admin/orders/${id}`, { body: { status } })).body,
        'PUT /admin/orders',
      ),
    listIngredients: async (): Promise<Ingredient[]> =>
      parse(z.array(IngredientSchema), (await this.authed('GET', '/admin/ingredients')).body, 'GET /admin/ingredients'),
    createIngredient: async (input: IngredientInput): Promise<Ingredient> =>
      parse(
        IngredientSchema,
        (await this.authed('POST', '/admin/ingredients', { body: input })).body,
        'POST /admin/ingredients',
      ),
    updateIngredient: async (id: number, patch: Partial<IngredientInput>): Promise<Ingredient> =>
      parse(
        IngredientSchema,
        (await this.authed('PUT', `/admin/ingredients/${id}`, { body: patch })).body,
        'PUT /admin/ingredients',
      ),
    deleteIngredient: async (id: number): Promise<void> => {
      await this.authed('DELETE', `/admin/ingredients/${id}`);
    },
    ingredientMovements: async (id: number): Promise<IngredientMovement[]> =>
      parse(
        z.array(IngredientMovementSchema),
        (await this.authed('GET', `/admin/ingredients/${id}/movements`)).body,
        'GET /admin/ingredients/movements',
      ),
  };
}
