import type { Rng } from './prng.ts';

export interface Product {
  product_id: string;
  sku: string;
  name: string;
  category: string;
  brand: string;
  /** Price in EUR cents; other currencies scale it. */
  price_eur_minor: number;
  /** How many units a shopper usually takes (screws come by the box, drills one at a time). */
  typical_quantity: number;
  /** Relative chance that a shopper who holds it takes it out again: some products get second thoughts. */
  removal_affinity: number;
}

interface CategorySpec {
  name: string;
  nouns: readonly string[];
  price: readonly [number, number];
  quantity: number;
  removal: number;
}

// A hardware shop: the domain carrello's first users come from.
const CATEGORIES: readonly CategorySpec[] = [
  {
    name: 'power-tools',
    nouns: ['Cordless Drill', 'Impact Driver', 'Angle Grinder', 'Jigsaw', 'Circular Saw', 'Orbital Sander'],
    price: [4_900, 34_900],
    quantity: 1,
    removal: 2.2,
  },
  {
    name: 'hand-tools',
    nouns: ['Claw Hammer', 'Screwdriver Set', 'Spirit Level', 'Tape Measure', 'Utility Knife', 'Pliers'],
    price: [690, 4_990],
    quantity: 1,
    removal: 1.0,
  },
  { name: 'fasteners', nouns: ['Wood Screws', 'Wall Plugs', 'Hex Bolts', 'Washers', 'Nails', 'Anchors'], price: [199, 1_490], quantity: 4, removal: 0.6 },
  { name: 'paint', nouns: ['Wall Paint', 'Primer', 'Wood Stain', 'Varnish', 'Paint Roller', 'Masking Tape'], price: [390, 5_990], quantity: 2, removal: 1.3 },
  { name: 'garden', nouns: ['Garden Hose', 'Pruning Shears', 'Lawn Mower', 'Rake', 'Planter', 'Sprinkler'], price: [890, 39_900], quantity: 1, removal: 1.6 },
  {
    name: 'electrical',
    nouns: ['Extension Cord', 'LED Bulb', 'Socket Outlet', 'Cable Ties', 'Light Switch', 'Junction Box'],
    price: [249, 3_990],
    quantity: 2,
    removal: 0.9,
  },
  {
    name: 'plumbing',
    nouns: ['Pipe Wrench', 'Tap Washer Kit', 'PTFE Tape', 'Shower Head', 'Sink Trap', 'Ball Valve'],
    price: [299, 7_990],
    quantity: 1,
    removal: 1.1,
  },
  {
    name: 'storage',
    nouns: ['Tool Box', 'Shelving Unit', 'Storage Bin', 'Wall Hooks', 'Workbench', 'Drawer Cabinet'],
    price: [990, 24_900],
    quantity: 1,
    removal: 1.8,
  },
  {
    name: 'safety',
    nouns: ['Safety Glasses', 'Work Gloves', 'Ear Defenders', 'Dust Mask', 'Hard Hat', 'Knee Pads'],
    price: [390, 2_990],
    quantity: 2,
    removal: 0.7,
  },
  {
    name: 'lumber',
    nouns: ['Pine Board', 'Plywood Sheet', 'Dowel Rod', 'MDF Panel', 'Decking Plank', 'Batten'],
    price: [350, 6_990],
    quantity: 3,
    removal: 1.2,
  },
];

const BRANDS = ['Bosch', 'Makita', 'Stanley', 'Fischer', 'Gardena', 'Dulux', 'Wera', 'Knipex', '3M', 'Kärcher', 'Festool', 'Ryobi'];
const SIZES = ['S', 'M', 'L', 'XL', 'Pro', 'Compact', '18V', '500 ml', '2.5 l', '10 m', '25 pcs', '100 pcs'];

/** A deterministic catalogue of `size` products spread over the categories above. */
export function buildCatalogue(rng: Rng, size = 300): Product[] {
  const products: Product[] = [];
  for (let i = 0; i < size; i++) {
    const cat = CATEGORIES[i % CATEGORIES.length]!;
    const brand = rng.pick(BRANDS);
    const noun = rng.pick(cat.nouns);
    const [lo, hi] = cat.price;
    // Prices end in 9 or 5 as shops print them.
    const raw = lo + Math.floor(rng.next() * rng.next() * (hi - lo));
    const price = Math.max(99, raw - (raw % 10) + (rng.chance(0.7) ? 9 : 5));
    const n = String(i + 1).padStart(4, '0');
    products.push({
      product_id: `P${n}`,
      sku: `${cat.name.slice(0, 3).toUpperCase()}-${n}-${rng.int(100, 999)}`,
      name: `${brand} ${noun} ${rng.pick(SIZES)}`,
      category: cat.name,
      brand,
      price_eur_minor: price,
      typical_quantity: cat.quantity,
      removal_affinity: cat.removal * (0.4 + rng.next() * 1.2),
    });
  }
  return products;
}
