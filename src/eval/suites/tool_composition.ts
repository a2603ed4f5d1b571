/**
 * @license
 * Copyright 2026 adk-coding-agent authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * The `tool-composition` suite, in the spirit of M3ToolEval (Wang et al. 2024, "Executable Code
 * Actions Elicit Better LLM Agents", where code actions reached 74.4 % against 52.4 % for JSON
 * on GPT-4): tasks whose answer needs several host-side tools combined — chains where one
 * result feeds the next call, loops over many calls, a paginated listing, and an inventory
 * service that fails on some first calls and must be retried. A few tasks need a single call,
 * where function calling should do as well as code.
 *
 * The world (a small shop: products, customers, orders, stock, cities, weather) is generated
 * deterministically here, and each expected answer is computed from it, so the checkers are
 * exact. The tasks and data are this project's own.
 */

import {fileURLToPath} from 'node:url';

import {FunctionTool, type BaseTool} from '@google/adk';
import {z} from 'zod';

import {
  approximateCheck,
  integerCheck,
  numberCheck,
  textCheck,
  textSetCheck,
  type Checker,
} from '../checkers.js';
import type {EvalSuite, EvalTask} from '../suite.js';

/** Value of one unit of each currency in US dollars. */
const USD_VALUE: Readonly<Record<string, number>> = {
  USD: 1,
  EUR: 1.08,
  GBP: 1.27,
  CHF: 1.12,
  JPY: 0.0067,
};

interface Product {
  sku: string;
  name: string;
  category: 'tools' | 'home' | 'outdoor';
  unit_price: number;
  currency: string;
  weight_kg: number;
}

const PRODUCTS: readonly Product[] = [
  {
    sku: 'P01',
    name: 'cordless drill',
    category: 'tools',
    unit_price: 89.9,
    currency: 'EUR',
    weight_kg: 1.8,
  },
  {
    sku: 'P02',
    name: 'claw hammer',
    category: 'tools',
    unit_price: 14.5,
    currency: 'EUR',
    weight_kg: 0.6,
  },
  {
    sku: 'P03',
    name: 'screwdriver set',
    category: 'tools',
    unit_price: 24,
    currency: 'GBP',
    weight_kg: 0.9,
  },
  {
    sku: 'P04',
    name: 'tape measure',
    category: 'tools',
    unit_price: 9.75,
    currency: 'USD',
    weight_kg: 0.3,
  },
  {
    sku: 'P05',
    name: 'desk lamp',
    category: 'home',
    unit_price: 39,
    currency: 'EUR',
    weight_kg: 1.2,
  },
  {
    sku: 'P06',
    name: 'wool blanket',
    category: 'home',
    unit_price: 55,
    currency: 'GBP',
    weight_kg: 1.5,
  },
  {
    sku: 'P07',
    name: 'coffee grinder',
    category: 'home',
    unit_price: 7800,
    currency: 'JPY',
    weight_kg: 0.9,
  },
  {
    sku: 'P08',
    name: 'water bottle',
    category: 'outdoor',
    unit_price: 18,
    currency: 'USD',
    weight_kg: 0.4,
  },
  {
    sku: 'P09',
    name: 'camping stove',
    category: 'outdoor',
    unit_price: 64,
    currency: 'CHF',
    weight_kg: 1.1,
  },
  {
    sku: 'P10',
    name: 'head torch',
    category: 'outdoor',
    unit_price: 29,
    currency: 'EUR',
    weight_kg: 0.2,
  },
  {
    sku: 'P11',
    name: 'rain jacket',
    category: 'outdoor',
    unit_price: 120,
    currency: 'CHF',
    weight_kg: 0.7,
  },
  {
    sku: 'P12',
    name: 'garden hose',
    category: 'home',
    unit_price: 32,
    currency: 'USD',
    weight_kg: 2.5,
  },
];

interface Customer {
  id: string;
  name: string;
  city: string;
  tier: 'gold' | 'silver' | 'bronze';
}

const CUSTOMERS: readonly Customer[] = [
  {id: 'C01', name: 'Ada Lindqvist', city: 'Oslo', tier: 'gold'},
  {id: 'C02', name: 'Bruno Costa', city: 'Lisbon', tier: 'silver'},
  {id: 'C03', name: 'Chiara Russo', city: 'Rome', tier: 'gold'},
  {id: 'C04', name: 'Dmitri Nowak', city: 'Warsaw', tier: 'bronze'},
  {id: 'C05', name: 'Elena Garcia', city: 'Madrid', tier: 'silver'},
  {id: 'C06', name: 'Felix Bauer', city: 'Berlin', tier: 'gold'},
  {id: 'C07', name: 'Greta Huber', city: 'Vienna', tier: 'bronze'},
  {id: 'C08', name: 'Hugo Martin', city: 'Paris', tier: 'silver'},
  {id: 'C09', name: 'Ines Moreau', city: 'Paris', tier: 'gold'},
  {id: 'C10', name: 'Jonas Weber', city: 'Berlin', tier: 'bronze'},
  {id: 'C11', name: 'Karin Olsen', city: 'Oslo', tier: 'silver'},
  {id: 'C12', name: 'Luca Ferrari', city: 'Rome', tier: 'bronze'},
];

/** Latitude and longitude of each city (degrees). */
const CITIES: Readonly<Record<string, readonly [number, number]>> = {
  Paris: [48.8566, 2.3522],
  Berlin: [52.52, 13.405],
  Madrid: [40.4168, -3.7038],
  Rome: [41.9028, 12.4964],
  Vienna: [48.2082, 16.3738],
  Lisbon: [38.7223, -9.1393],
  Oslo: [59.9139, 10.7522],
  Warsaw: [52.2297, 21.0122],
};
const CITY_NAMES = Object.keys(CITIES);
const WAREHOUSES = ['north', 'south', 'east'] as const;
const DATES = ['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05'];
const CONDITIONS = ['sunny', 'cloudy', 'rain', 'windy'] as const;
const ORDERS_PER_PAGE = 5;

/** A deterministic pseudo-random sequence (a linear congruential generator). */
function sequence(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return Math.floor(x / 65536);
  };
}

interface Order {
  order_id: number;
  customer_id: string;
  sku: string;
  quantity: number;
  date: string;
}

const ORDERS: readonly Order[] = (() => {
  const next = sequence(18);
  return Array.from({length: 40}, (_, i) => ({
    order_id: i + 1,
    customer_id: CUSTOMERS[next() % CUSTOMERS.length].id,
    sku: PRODUCTS[next() % PRODUCTS.length].sku,
    quantity: 1 + (next() % 9),
    date: DATES[next() % DATES.length],
  }));
})();

const STOCK: ReadonlyMap<string, number> = (() => {
  const next = sequence(29);
  const stock = new Map<string, number>();
  for (const product of PRODUCTS) {
    for (const warehouse of WAREHOUSES) {
      stock.set(`${product.sku}/${warehouse}`, Math.max(0, (next() % 70) - 12));
    }
  }
  return stock;
})();

const WEATHER: ReadonlyMap<string, {temperature_c: number; condition: string}> = (() => {
  const next = sequence(41);
  const weather = new Map<string, {temperature_c: number; condition: string}>();
  for (const city of CITY_NAMES) {
    // Warmer towards the south, plus the day's spread.
    const base = Math.round((62 - CITIES[city][0]) * 0.9);
    for (const date of DATES) {
      weather.set(`${city}/${date}`, {
        temperature_c: base + (next() % 9),
        condition: CONDITIONS[next() % CONDITIONS.length],
      });
    }
  }
  return weather;
})();

/** Rounded to `digits` decimals (the tools' own rounding). */
function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function rate(base: string, quote: string): number {
  return round(USD_VALUE[base] / USD_VALUE[quote], 6);
}

function distance(from: string, to: string): number {
  const [lat1, lon1] = CITIES[from].map((d) => (d * Math.PI) / 180);
  const [lat2, lon2] = CITIES[to].map((d) => (d * Math.PI) / 180);
  const h =
    Math.sin((lat2 - lat1) / 2) ** 2 +
    Math.cos(lat1) * Math.cos(lat2) * Math.sin((lon2 - lon1) / 2) ** 2;
  return Math.round(2 * 6371 * Math.asin(Math.sqrt(h)));
}

/** Whether the inventory service fails the first call for this key (about one key in three). */
function flakes(sku: string, warehouse: string): boolean {
  // FNV-1a: a stable hash, so the same keys fail in every run.
  let hash = 0x811c9dc5;
  for (const char of `${sku}/${warehouse}`) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  }
  return hash % 3 === 0;
}

function product(sku: string): Product {
  const found = PRODUCTS.find((p) => p.sku === sku);
  if (!found) throw new Error(`unknown SKU "${sku}" (SKUs are P01 to P12)`);
  return found;
}

function customer(id: string): Customer {
  const found = CUSTOMERS.find((c) => c.id === id);
  if (!found) throw new Error(`unknown customer "${id}" (ids are C01 to C12)`);
  return found;
}

function city(name: string): string {
  const found = CITY_NAMES.find((c) => c.toLowerCase() === name.trim().toLowerCase());
  if (!found) throw new Error(`unknown city "${name}"; known cities: ${CITY_NAMES.join(', ')}`);
  return found;
}

function currency(code: string): string {
  const upper = code.trim().toUpperCase();
  if (!(upper in USD_VALUE)) {
    throw new Error(`unknown currency "${code}"; known: ${Object.keys(USD_VALUE).join(', ')}`);
  }
  return upper;
}

function caesar(text: string, shift: number): string {
  return text.replace(/[a-z]/gi, (char) => {
    const base = char <= 'Z' ? 65 : 97;
    return String.fromCharCode(((((char.charCodeAt(0) - base + shift) % 26) + 26) % 26) + base);
  });
}

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');
const reversed = (text: string) => [...text].reverse().join('');

/** The suite's tools, fresh for one run (the inventory service's failures start over). */
export function toolCompositionTools(): BaseTool[] {
  const failedOnce = new Set<string>();
  return [
    new FunctionTool({
      name: 'get_exchange_rate',
      description: 'Exchange rate: how many units of `quote` one unit of `base` buys.',
      parameters: z.object({
        base: z.string().describe('currency code, e.g. EUR'),
        quote: z.string().describe('currency code, e.g. USD'),
      }),
      execute: ({base, quote}) => ({base, quote, rate: rate(currency(base), currency(quote))}),
    }),
    new FunctionTool({
      name: 'get_product',
      description: 'A product by SKU: name, category, unit price with its currency, weight.',
      parameters: z.object({sku: z.string().describe('e.g. P01')}),
      execute: ({sku}) => product(sku),
    }),
    new FunctionTool({
      name: 'list_products',
      description: 'SKUs and names of the products of a category (tools, home or outdoor).',
      parameters: z.object({category: z.string()}),
      execute: ({category}) => {
        const found = PRODUCTS.filter((p) => p.category === category.trim().toLowerCase());
        if (found.length === 0) throw new Error(`unknown category "${category}"`);
        return found.map(({sku, name}) => ({sku, name}));
      },
    }),
    new FunctionTool({
      name: 'get_customer',
      description: 'A customer by id (C01 to C12): name, city, tier (gold, silver, bronze).',
      parameters: z.object({customer_id: z.string()}),
      execute: ({customer_id}) => customer(customer_id),
    }),
    new FunctionTool({
      name: 'list_orders',
      description: `One page of the order book (${ORDERS_PER_PAGE} orders a page, pages from 1) and the number of pages.`,
      parameters: z.object({page: z.number().int()}),
      execute: ({page}) => {
        const pages = Math.ceil(ORDERS.length / ORDERS_PER_PAGE);
        if (page < 1 || page > pages) throw new Error(`page ${page} out of range 1 to ${pages}`);
        const start = (page - 1) * ORDERS_PER_PAGE;
        return {page, pages, orders: ORDERS.slice(start, start + ORDERS_PER_PAGE)};
      },
    }),
    new FunctionTool({
      name: 'get_order',
      description: 'One order by id: customer, SKU, quantity, date.',
      parameters: z.object({order_id: z.number().int()}),
      execute: ({order_id}) => {
        const order = ORDERS.find((o) => o.order_id === order_id);
        if (!order) throw new Error(`no order ${order_id}`);
        return order;
      },
    }),
    new FunctionTool({
      name: 'get_stock',
      description:
        'Units of a SKU in stock in a warehouse (north, south or east). The inventory service is unreliable: a call may fail with a temporary error; calling again works.',
      parameters: z.object({sku: z.string(), warehouse: z.string()}),
      execute: ({sku, warehouse}) => {
        const where = warehouse.trim().toLowerCase();
        product(sku);
        if (!(WAREHOUSES as readonly string[]).includes(where)) {
          throw new Error(`unknown warehouse "${warehouse}" (north, south or east)`);
        }
        const key = `${sku}/${where}`;
        if (flakes(sku, where) && !failedOnce.has(key)) {
          failedOnce.add(key);
          throw new Error('inventory service temporarily unavailable (503); try again');
        }
        return {sku, warehouse: where, units: STOCK.get(key)};
      },
    }),
    new FunctionTool({
      name: 'get_weather',
      description: `Weather of a city on a date (${DATES[0]} to ${DATES[DATES.length - 1]}): temperature in °C and condition.`,
      parameters: z.object({city: z.string(), date: z.string().describe('YYYY-MM-DD')}),
      execute: ({city: name, date}) => {
        const found = WEATHER.get(`${city(name)}/${date.trim()}`);
        if (!found)
          throw new Error(
            `no weather for ${date} (dates ${DATES[0]} to ${DATES[DATES.length - 1]})`,
          );
        return {city: city(name), date, ...found};
      },
    }),
    new FunctionTool({
      name: 'get_distance',
      description: 'Great-circle distance between two cities, in whole kilometres.',
      parameters: z.object({from_city: z.string(), to_city: z.string()}),
      execute: ({from_city, to_city}) => ({km: distance(city(from_city), city(to_city))}),
    }),
    new FunctionTool({
      name: 'hex_to_text',
      description: 'Decode a hexadecimal string to UTF-8 text.',
      parameters: z.object({hex: z.string()}),
      execute: ({hex: value}) => {
        if (!/^(?:[0-9a-f]{2})*$/i.test(value)) throw new Error('not a hexadecimal string');
        return Buffer.from(value, 'hex').toString('utf8');
      },
    }),
    new FunctionTool({
      name: 'reverse_text',
      description: 'Reverse a string.',
      parameters: z.object({text: z.string()}),
      execute: ({text}) => reversed(text),
    }),
    new FunctionTool({
      name: 'caesar_shift',
      description:
        'Shift every letter of a text forward in the alphabet (a negative shift goes back).',
      parameters: z.object({text: z.string(), shift: z.number().int()}),
      execute: ({text, shift}) => caesar(text, shift),
    }),
  ];
}

// --- Answers, computed from the world ---------------------------------------------------

const orderValue = (o: Order, quote: string) =>
  o.quantity * product(o.sku).unit_price * rate(product(o.sku).currency, quote);
const weather = (c: string, date: string) => WEATHER.get(`${c}/${date}`)!;
const stock = (sku: string, warehouse: string) => STOCK.get(`${sku}/${warehouse}`)!;

/** The one key with the largest value; throws on a tie (a task must have one answer). */
function argmax<T>(items: readonly T[], value: (item: T) => number): T {
  const best = Math.max(...items.map(value));
  const winners = items.filter((item) => value(item) === best);
  if (winners.length !== 1)
    throw new Error(`tool-composition: a task's maximum is tied: ${JSON.stringify(winners)}`);
  return winners[0];
}

function totalBy<K>(key: (o: Order) => K, amount: (o: Order) => number): Map<K, number> {
  const totals = new Map<K, number>();
  for (const o of ORDERS) totals.set(key(o), (totals.get(key(o)) ?? 0) + amount(o));
  return totals;
}

interface TaskSpec {
  id: string;
  category: string;
  question: string;
  check: Checker;
}

function taskSpecs(): TaskSpec[] {
  const order17 = ORDERS[16];
  const order23 = ORDERS[22];
  const flakyNorth = PRODUCTS.find((p) => flakes(p.sku, 'north'))!.sku;
  const message = 'meet at the old mill';
  const secret = 'lantern';
  const words = ['harbour', 'orchard', 'lighthouse', 'meadow'];
  const gold = CUSTOMERS.filter((c) => c.tier === 'gold');
  const route = ['Lisbon', 'Madrid', 'Paris', 'Berlin', 'Warsaw'];
  const ordersPerCustomer = totalBy(
    (o) => o.customer_id,
    () => 1,
  );
  const quantityPerSku = totalBy(
    (o) => o.sku,
    (o) => o.quantity,
  );
  const outdoor = PRODUCTS.filter((p) => p.category === 'outdoor');
  const tools = PRODUCTS.filter((p) => p.category === 'tools');
  const p04Shift = product('P04').name.length;
  return [
    // A single call: function calling should do as well as code here.
    {
      id: 'rate_eur_usd',
      category: 'single call',
      question: 'What is the exchange rate from EUR to USD?',
      check: numberCheck(rate('EUR', 'USD')),
    },
    {
      id: 'product_name',
      category: 'single call',
      question: 'What is the name of the product with SKU P07?',
      check: textCheck([product('P07').name]),
    },
    {
      id: 'customer_city',
      category: 'single call',
      question: 'In which city does customer C05 live?',
      check: textCheck([customer('C05').city]),
    },
    {
      id: 'weather_lisbon',
      category: 'single call',
      question: 'What was the temperature in Lisbon on 2024-05-03, in °C?',
      check: numberCheck(weather('Lisbon', '2024-05-03').temperature_c),
    },
    {
      id: 'distance_paris_berlin',
      category: 'single call',
      question: 'How far is Paris from Berlin, in km?',
      check: integerCheck(distance('Paris', 'Berlin')),
    },
    {
      id: 'decode_hex',
      category: 'single call',
      question: `Decode the hexadecimal string ${hex(message)} to text.`,
      check: textCheck([message]),
    },
    // Chains: one result feeds the next call.
    {
      id: 'price_in_gbp',
      category: 'chain',
      question: 'What does one unit of product P01 cost in GBP?',
      check: numberCheck(product('P01').unit_price * rate('EUR', 'GBP')),
    },
    {
      id: 'order_value_eur',
      category: 'chain',
      question: 'What is the value of order 17 in EUR (quantity times unit price, converted)?',
      check: numberCheck(orderValue(order17, 'EUR')),
    },
    {
      id: 'order_city_weather',
      category: 'chain',
      question: "What was the weather condition in the customer's city on the date of order 23?",
      check: textCheck([weather(customer(order23.customer_id).city, order23.date).condition]),
    },
    {
      id: 'gbp_to_jpy',
      category: 'chain',
      question: 'How many JPY are 250 GBP?',
      check: approximateCheck(250 * rate('GBP', 'JPY'), 0.001),
    },
    {
      id: 'temperature_gap',
      category: 'chain',
      question: 'By how many °C did the temperatures of Madrid and Oslo differ on 2024-05-05?',
      check: numberCheck(
        Math.abs(
          weather('Madrid', '2024-05-05').temperature_c -
            weather('Oslo', '2024-05-05').temperature_c,
        ),
      ),
    },
    {
      id: 'shift_from_name',
      category: 'chain',
      question: `The message "${caesar(secret, p04Shift)}" was Caesar-shifted forward by the number of characters in the name of product P04. Decode it.`,
      check: textCheck([secret]),
    },
    {
      id: 'multi_step_decode',
      category: 'chain',
      question: `A message was Caesar-shifted forward by 3, then reversed, then hex-encoded, giving ${hex(reversed(caesar('northern lights', 3)))}. Decode it.`,
      check: textCheck(['northern lights']),
    },
    // Loops over many calls.
    {
      id: 'warmest_city',
      category: 'loop',
      question: 'Which of Paris, Berlin, Rome and Vienna was the warmest on 2024-05-02?',
      check: textCheck([
        argmax(
          ['Paris', 'Berlin', 'Rome', 'Vienna'],
          (c) => weather(c, '2024-05-02').temperature_c,
        ),
      ]),
    },
    {
      id: 'rainy_cities',
      category: 'loop',
      question: `Which of these cities had rain on 2024-05-04: ${CITY_NAMES.join(', ')}?`,
      check: textSetCheck(
        CITY_NAMES.filter((c) => weather(c, '2024-05-04').condition === 'rain'),
        CITY_NAMES,
      ),
    },
    {
      id: 'nearest_to_vienna',
      category: 'loop',
      question: 'Which of Berlin, Rome, Warsaw and Paris is nearest to Vienna?',
      check: textCheck([
        argmax(['Berlin', 'Rome', 'Warsaw', 'Paris'], (c) => -distance('Vienna', c)),
      ]),
    },
    {
      id: 'route_length',
      category: 'loop',
      question: `How long is the route ${route.join(' → ')} in km, summing the distance of each leg?`,
      check: integerCheck(route.slice(1).reduce((sum, c, i) => sum + distance(route[i], c), 0)),
    },
    {
      id: 'gold_customer_cities',
      category: 'loop',
      question: 'In which cities do the gold-tier customers among C01 to C12 live?',
      check: textSetCheck([...new Set(gold.map((c) => c.city))], CITY_NAMES),
    },
    {
      id: 'tools_mean_price_eur',
      category: 'loop',
      question: 'What is the mean unit price, in EUR, of the products of the tools category?',
      check: numberCheck(
        tools.reduce((sum, p) => sum + p.unit_price * rate(p.currency, 'EUR'), 0) / tools.length,
      ),
    },
    {
      id: 'longest_decoded',
      category: 'loop',
      question: `Decode each of these hexadecimal strings to text and reverse it: ${words.map((w) => hex(reversed(w))).join(', ')}. Which decoded word is the longest?`,
      check: textCheck([argmax(words, (w) => w.length)]),
    },
    {
      id: 'customers_paris_berlin',
      category: 'loop',
      question: 'How many of the customers C01 to C12 live in Paris or Berlin?',
      check: integerCheck(
        CUSTOMERS.filter((c) => c.city === 'Paris' || c.city === 'Berlin').length,
      ),
    },
    {
      id: 'gold_distance_from_berlin',
      category: 'loop',
      question:
        'Add up the distances from Berlin to the city of each gold-tier customer among C01 to C12 (one distance per customer). How many km is that?',
      check: integerCheck(gold.reduce((sum, c) => sum + distance('Berlin', c.city), 0)),
    },
    // The paginated order book.
    {
      id: 'order_count',
      category: 'pagination',
      question: 'How many orders are in the order book?',
      check: integerCheck(ORDERS.length),
    },
    {
      id: 'sku_quantity',
      category: 'pagination',
      question: 'What is the total quantity ordered of SKU P05, over all orders?',
      check: integerCheck(quantityPerSku.get('P05') ?? 0),
    },
    {
      id: 'top_customer',
      category: 'pagination',
      question: 'Which customer placed the most orders? Give their name.',
      check: textCheck([
        customer(argmax([...ordersPerCustomer.keys()], (id) => ordersPerCustomer.get(id)!)).name,
      ]),
    },
    {
      id: 'revenue_usd',
      category: 'pagination',
      question: 'What is the total value of all orders in USD?',
      check: approximateCheck(
        ORDERS.reduce((sum, o) => sum + orderValue(o, 'USD'), 0),
        0.001,
      ),
    },
    {
      id: 'heaviest_order',
      category: 'pagination',
      question: 'Which order is the heaviest to ship (quantity times product weight)? Give its id.',
      check: integerCheck(argmax(ORDERS, (o) => o.quantity * product(o.sku).weight_kg).order_id),
    },
    {
      id: 'berlin_orders',
      category: 'pagination',
      question: 'How many orders were placed by customers who live in Berlin?',
      check: integerCheck(ORDERS.filter((o) => customer(o.customer_id).city === 'Berlin').length),
    },
    {
      id: 'best_seller',
      category: 'pagination',
      question: 'Which product has the largest total quantity ordered? Give its name.',
      check: textCheck([
        product(argmax([...quantityPerSku.keys()], (s) => quantityPerSku.get(s)!)).name,
      ]),
    },
    // The unreliable inventory service.
    {
      id: 'stock_single',
      category: 'flaky tool',
      question: `How many units of ${flakyNorth} are in stock in the north warehouse?`,
      check: integerCheck(stock(flakyNorth, 'north')),
    },
    {
      id: 'stock_all_warehouses',
      category: 'flaky tool',
      question: 'How many units of P10 are in stock over the north, south and east warehouses?',
      check: integerCheck(WAREHOUSES.reduce((sum, w) => sum + stock('P10', w), 0)),
    },
    {
      id: 'out_of_stock_east',
      category: 'flaky tool',
      question: 'Which of the SKUs P01 to P12 are out of stock (0 units) in the east warehouse?',
      check: textSetCheck(
        PRODUCTS.filter((p) => stock(p.sku, 'east') === 0).map((p) => p.sku),
        PRODUCTS.map((p) => p.sku),
      ),
    },
    {
      id: 'restock_outdoor',
      category: 'flaky tool',
      question:
        'How many units in all must the south warehouse receive so that every product of the outdoor category has at least 40 in stock there?',
      check: integerCheck(
        outdoor.reduce((sum, p) => sum + Math.max(0, 40 - stock(p.sku, 'south')), 0),
      ),
    },
  ];
}

const INSTRUCTION =
  'You answer questions about a small shop using its tools (products, customers, orders, stock, exchange rates, weather, distances and text decoding). Get every fact from the tools; tools may fail and can be called again. Reply with the answer only, as briefly as possible (a number, a name, or a short list).';

/** The `tool-composition` suite. */
export function toolCompositionSuite(): EvalSuite {
  const tasks: EvalTask[] = taskSpecs().map(({id, category, question, check}) => ({
    id,
    category,
    turns: [question],
    check,
  }));
  return {
    name: 'tool-composition',
    description: `${tasks.length} tasks combining ${toolCompositionTools().length} host-side tools: chains, loops, a paginated order book, an unreliable service`,
    instruction: INSTRUCTION,
    tasks,
    tools: () => toolCompositionTools(),
    bundledCassettes: fileURLToPath(new URL('../cassettes/tool-composition/', import.meta.url)),
  };
}
