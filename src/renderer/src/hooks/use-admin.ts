import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SupervisorApi } from '../../../shared/contract';
import type {
  Ingredient,
  IngredientInput,
  NewOrder,
  Order,
  OrderStatus,
  UserPatch,
  UserProfile,
} from '../../../shared/entities';
import { useConnectionState, useSupervisorApi } from '../api';

/** Query key of the backend session (`auth:session`). */
export const SESSION_QUERY_KEY = ['auth', 'session'] as const;

/**
 * Query keys of the admin data. Everything sits under `['admin']`, so logging out or an
 * expired session drops it all at once; a prefix invalidates a whole family (the
 * ingredients key also covers every ingredient's movements).
 */
export const ADMIN_KEYS = {
  all: ['admin'] as const,
  stats: ['admin', 'stats'] as const,
  users: ['admin', 'users'] as const,
  orders: ['admin', 'orders'] as const,
  ordersPage: (query: OrdersQuery) => ['admin', 'orders', query] as const,
  /** The caller's own orders (`orders:mine`); under `orders`, so an order change refreshes it too. */
  myOrders: ['admin', 'orders', 'mine'] as const,
  /** The caller's last orders (`orders:recent`). */
  recentOrders: ['admin', 'orders', 'recent'] as const,
  /** The logged-in user's profile and the check of the session's token. */
  me: ['admin', 'me'] as const,
  profile: ['admin', 'me', 'profile'] as const,
  verify: ['admin', 'me', 'verify'] as const,
  products: ['admin', 'products'] as const,
  productsFiltered: (filter: ProductFilter) => ['admin', 'products', filter] as const,
  ingredients: ['admin', 'ingredients'] as const,
  movements: (id: number) => ['admin', 'ingredients', id, 'movements'] as const,
};

/** The backend's answers are seconds-fresh enough for an admin view; a change refetches at once. */
const ADMIN_STALE_MS = 10_000;

function useAdminEnabled(): boolean {
  return useConnectionState() !== 'token-needed';
}

// ---------------------------------------------------------------- session

/** The logged-in backend user (or `user: null`), from the main process's session. */
export function useSession() {
  const api = useSupervisorApi();
  return useQuery({
    queryKey: SESSION_QUERY_KEY,
    queryFn: () => api.invoke('auth:session'),
    enabled: useAdminEnabled(),
    retry: false,
  });
}

/** Credentials of {@link useLogin}. */
export interface LoginInput {
  email: string;
  password: string;
  remember: boolean;
}

/** Logs in to the backend; the session query then holds the user. */
export function useLogin() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ email, password, remember }: LoginInput) => api.invoke('auth:login', { email, password, remember }),
    onSuccess: ({ user }, { remember }) => {
      queryClient.removeQueries({ queryKey: ADMIN_KEYS.all });
      queryClient.setQueryData(SESSION_QUERY_KEY, { user, remembered: remember });
    },
  });
}

/** A new account of {@link useRegister}. */
export interface RegisterInput {
  email: string;
  password: string;
  name: string;
}

/** Registers a new backend account and logs in as it (like {@link useLogin}; nothing is remembered). */
export function useRegister() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ email, password, name }: RegisterInput) => api.invoke('auth:register', { email, password, name }),
    onSuccess: ({ user }) => {
      queryClient.removeQueries({ queryKey: ADMIN_KEYS.all });
      queryClient.setQueryData(SESSION_QUERY_KEY, { user, remembered: false });
    },
  });
}

/** `auth:profile`: the logged-in user as the backend has it now (fetched while `enabled`). */
export function useProfile(enabled = true) {
  const api = useSupervisorApi();
  const allowed = useAdminEnabled();
  return useQuery({
    queryKey: ADMIN_KEYS.profile,
    queryFn: () => api.invoke('auth:profile'),
    enabled: allowed && enabled,
    staleTime: ADMIN_STALE_MS,
  });
}

/** `auth:verify`: whether the backend still accepts the session's token, and until when. */
export function useVerifySession(enabled = true) {
  const api = useSupervisorApi();
  const allowed = useAdminEnabled();
  return useQuery({
    queryKey: ADMIN_KEYS.verify,
    queryFn: () => api.invoke('auth:verify'),
    enabled: allowed && enabled,
    staleTime: ADMIN_STALE_MS,
  });
}

/** Logs out (the main process forgets the token and any saved credentials) and drops the admin data. */
export function useLogout() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.invoke('auth:logout'),
    onSuccess: () => {
      queryClient.setQueryData(SESSION_QUERY_KEY, { user: null, remembered: false });
      queryClient.removeQueries({ queryKey: ADMIN_KEYS.all });
    },
  });
}

// ------------------------------------------------------------------ stats

/** `admin:stats`: totals and orders per status. */
export function useStats() {
  const api = useSupervisorApi();
  return useQuery({
    queryKey: ADMIN_KEYS.stats,
    queryFn: () => api.invoke('admin:stats'),
    enabled: useAdminEnabled(),
    staleTime: ADMIN_STALE_MS,
  });
}

// ------------------------------------------------------------------ users

/** Users are fetched in pages of this size until the backend's total is reached. */
export const USERS_FETCH_PAGE = 500;
/** At most this many pages are fetched (a runaway backend cannot loop the view). */
const USERS_MAX_PAGES = 20;

/**
 * Every user, page after page (`admin:listUsers` with limit/offset): the table sorts and
 * pages them in the browser. Stops at the backend's total, at a short page, or when the
 * backend ignores paging and sends the whole list at once.
 */
export async function fetchAllUsers(api: SupervisorApi): Promise<UserProfile[]> {
  const users: UserProfile[] = [];
  for (let page = 0; page < USERS_MAX_PAGES; page++) {
    const { items, total } = await api.invoke('admin:listUsers', { limit: USERS_FETCH_PAGE, offset: users.length });
    users.push(...items);
    if (items.length !== USERS_FETCH_PAGE || (total !== null && users.length >= total)) break;
  }
  return users;
}

/** Every user (see {@link fetchAllUsers}). */
export function useUsers() {
  const api = useSupervisorApi();
  return useQuery({
    queryKey: ADMIN_KEYS.users,
    queryFn: () => fetchAllUsers(api),
    enabled: useAdminEnabled(),
    staleTime: ADMIN_STALE_MS,
  });
}

/** Changes a user's name or role; refreshes the users (and the stats, which count them). */
export function useUpdateUser() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: UserPatch }) => api.invoke('admin:updateUser', id, patch),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.users }),
  });
}

/** Deletes a user; refreshes the users and the stats. */
export function useDeleteUser() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.invoke('admin:deleteUser', id),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.users }),
        queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.stats }),
      ]),
  });
}

// ----------------------------------------------------------------- orders

/** One page of orders: the status filter and the paging sent to the backend. */
export interface OrdersQuery {
  status: OrderStatus | null;
  limit: number;
  offset: number;
}

/** `admin:listOrders`: one page (newest first) with the backend's total; the previous page stays shown while the next loads. */
export function useOrders(query: OrdersQuery, enabled = true) {
  const api = useSupervisorApi();
  const allowed = useAdminEnabled();
  return useQuery({
    queryKey: ADMIN_KEYS.ordersPage(query),
    queryFn: () =>
      api.invoke('admin:listOrders', {
        limit: query.limit,
        offset: query.offset,
        ...(query.status ? { status: query.status } : {}),
      }),
    enabled: allowed && enabled,
    staleTime: ADMIN_STALE_MS,
    placeholderData: keepPreviousData,
  });
}

/**
 * Moves an order to another status; refreshes the orders, the stats (counts and revenue
 * move) and the ingredients (an order may consume or give back stock).
 */
export function useUpdateOrderStatus() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, status }: { id: number; status: OrderStatus }): Promise<Order> =>
      api.invoke('admin:updateOrderStatus', id, status),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.orders }),
        queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.stats }),
        queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.ingredients }),
      ]),
  });
}

/** `orders:mine`: the caller's orders (the whole list, no paging). */
export function useMyOrders(enabled = true) {
  const api = useSupervisorApi();
  const allowed = useAdminEnabled();
  return useQuery({
    queryKey: ADMIN_KEYS.myOrders,
    queryFn: () => api.invoke('orders:mine'),
    enabled: allowed && enabled,
    staleTime: ADMIN_STALE_MS,
  });
}

/** `orders:recent`: the caller's last orders. */
export function useRecentOrders(enabled = true) {
  const api = useSupervisorApi();
  const allowed = useAdminEnabled();
  return useQuery({
    queryKey: ADMIN_KEYS.recentOrders,
    queryFn: () => api.invoke('orders:recent'),
    enabled: allowed && enabled,
    staleTime: ADMIN_STALE_MS,
  });
}

/**
 * Places an order as the logged-in user; refreshes the orders, the stats and the
 * ingredients (a new order consumes stock).
 */
export function useCreateOrder() {
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (order: NewOrder): Promise<Order> => api.invoke('orders:create', order),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.orders }),
        queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.stats }),
        queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.ingredients }),
      ]),
  });
}

// --------------------------------------------------------------- products

/** Filters of `products:list`: `search` matches names, `ingredient` one ingredient name. */
export interface ProductFilter {
  search: string;
  ingredient: string | null;
}

/** `products:list` with a filter (an empty filter lists every product). */
export function useProducts(filter: ProductFilter) {
  const api = useSupervisorApi();
  const search = filter.search.trim();
  return useQuery({
    queryKey: ADMIN_KEYS.productsFiltered({ search, ingredient: filter.ingredient }),
    queryFn: () =>
      api.invoke('products:list', {
        ...(search ? { search } : {}),
        ...(filter.ingredient ? { ingredient: filter.ingredient } : {}),
      }),
    enabled: useAdminEnabled(),
    staleTime: ADMIN_STALE_MS,
    placeholderData: keepPreviousData,
  });
}

// ------------------------------------------------------------ ingredients

/** `admin:listIngredients`. */
export function useIngredients() {
  const api = useSupervisorApi();
  return useQuery({
    queryKey: ADMIN_KEYS.ingredients,
    queryFn: () => api.invoke('admin:listIngredients'),
    enabled: useAdminEnabled(),
    staleTime: ADMIN_STALE_MS,
  });
}

/** The stock movements of one ingredient (none while `id` is null). */
export function useIngredientMovements(id: number | null) {
  const api = useSupervisorApi();
  const enabled = useAdminEnabled() && id !== null;
  return useQuery({
    queryKey: ADMIN_KEYS.movements(id ?? -1),
    queryFn: () => api.invoke('admin:ingredientMovements', id ?? -1),
    enabled,
  });
}

function useInvalidateIngredients() {
  const queryClient = useQueryClient();
  // The prefix covers the list and every ingredient's movements.
  return () => queryClient.invalidateQueries({ queryKey: ADMIN_KEYS.ingredients });
}

/** Creates an ingredient; refreshes the ingredients. */
export function useCreateIngredient() {
  const api = useSupervisorApi();
  const invalidate = useInvalidateIngredients();
  return useMutation({
    mutationFn: (input: IngredientInput): Promise<Ingredient> => api.invoke('admin:createIngredient', input),
    onSettled: invalidate,
  });
}

/** Changes an ingredient (a quantity change records a movement); refreshes the ingredients and movements. */
export function useUpdateIngredient() {
  const api = useSupervisorApi();
  const invalidate = useInvalidateIngredients();
  return useMutation({
    mutationFn: ({ id, patch }: { id: number; patch: Partial<IngredientInput> }): Promise<Ingredient> =>
      api.invoke('admin:updateIngredient', id, patch),
    onSettled: invalidate,
  });
}

/** Deletes an ingredient; refreshes the ingredients. */
export function useDeleteIngredient() {
  const api = useSupervisorApi();
  const invalidate = useInvalidateIngredients();
  return useMutation({
    mutationFn: (id: number) => api.invoke('admin:deleteIngredient', id),
    onSettled: invalidate,
  });
}
