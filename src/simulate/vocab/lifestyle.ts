import { COLOURS, COLOUR_LABEL, NO_LABEL } from './common.ts';
import type { CategoryTable } from './types.ts';

// fr/es/pt nouns are all masculine singular.
export const BOOKS: CategoryTable = {
  id: 'books',
  name: ['Books', 'Bücher', 'Livres', 'Libros', '本', 'Livros'],
  nouns: [
    ['thriller', 'Thriller', 'thriller', 'thriller', 'スリラー小説', 'thriller'],
    ['cookbook', 'Kochbuch', 'livre de cuisine', 'libro de cocina', '料理本', 'livro de receitas'],
    ['travel guide', 'Reiseführer', 'guide de voyage', 'libro de viajes', '旅行ガイド', 'guia de viagem'],
    ["children's book", 'Kinderbuch', 'livre pour enfants', 'libro infantil', '絵本', 'livro infantil'],
    ['science fiction novel', 'Science-Fiction-Roman', 'roman de science-fiction', 'libro de ciencia ficción', 'SF小説', 'livro de ficção científica'],
  ],
  adjectives: [
    ['illustrated', 'illustriert', 'illustré', 'ilustrado', 'イラスト入り', 'ilustrado'],
    ['bestselling', 'Bestseller', 'best-seller', 'superventas', 'ベストセラー', 'best-seller'],
    ['award-winning', 'preisgekrönt', 'primé', 'premiado', '受賞作', 'premiado'],
    ['new', 'neu', 'nouveau', 'nuevo', '新刊', 'novo'],
  ],
  details: [
    ['paperback', 'Taschenbuch', 'broché', 'tapa blanda', 'ペーパーバック', 'brochura'],
    ['hardcover', 'gebunden', 'relié', 'tapa dura', 'ハードカバー', 'capa dura'],
  ],
  variantLabel: NO_LABEL,
  variants: [
    ['2024 edition', 'Ausgabe 2024', 'édition 2024', 'edición 2024', '2024年版', 'edição 2024'],
    ['2025 edition', 'Ausgabe 2025', 'édition 2025', 'edición 2025', '2025年版', 'edição 2025'],
    ['2026 edition', 'Ausgabe 2026', 'édition 2026', 'edición 2026', '2026年版', 'edição 2026'],
  ],
  priceUsd: [9, 48],
  share: 1,
  brands: {
    global: ['Folio Press', 'Lantern House', 'Paperkite'],
    local: { US: ['Hudson Books'], GB: ['Thameside Press'], DE: ['Seitenweise Verlag'], FR: ['Éditions du Quai'], ES: ['Editorial Sirena'], JP: ['言葉書房'], BR: ['Editora Ipanema'] },
  },
};

// fr/es nouns are feminine singular, pt masculine singular.
export const SKINCARE: CategoryTable = {
  id: 'skincare',
  name: ['Skincare', 'Hautpflege', 'Soins du visage', 'Cuidado facial', 'スキンケア', 'Cuidados com a pele'],
  nouns: [
    ['face cream', 'Gesichtscreme', 'crème visage', 'crema facial', 'フェイスクリーム', 'creme facial'],
    ['eye cream', 'Augencreme', 'crème contour des yeux', 'crema contorno de ojos', 'アイクリーム', 'creme para os olhos'],
    ['sunscreen', 'Sonnencreme', 'crème solaire', 'crema solar', '日焼け止め', 'protetor solar'],
    ['facial cleanser', 'Reinigungsschaum', 'mousse nettoyante', 'espuma limpiadora', '洗顔フォーム', 'sabonete facial'],
  ],
  adjectives: [
    ['moisturizing', 'feuchtigkeitsspendend', 'hydratante', 'hidratante', '保湿', 'hidratante'],
    ['anti-aging', 'Anti-Aging', 'anti-âge', 'antiedad', 'エイジングケア', 'anti-idade'],
    ['fragrance-free', 'parfümfrei', 'sans parfum', 'sin perfume', '無香料', 'sem perfume'],
    ['soothing', 'beruhigend', 'apaisante', 'calmante', '低刺激', 'calmante'],
    ['vegan', 'vegan', 'vegan', 'vegana', 'ヴィーガン', 'vegano'],
  ],
  details: [
    ['with hyaluronic acid', 'mit Hyaluronsäure', "à l'acide hyaluronique", 'con ácido hialurónico', 'ヒアルロン酸配合', 'com ácido hialurônico'],
    ['with vitamin C', 'mit Vitamin C', 'à la vitamine C', 'con vitamina C', 'ビタミンC配合', 'com vitamina C'],
    ['with aloe vera', 'mit Aloe Vera', "à l'aloe vera", 'con aloe vera', 'アロエ配合', 'com aloe vera'],
  ],
  variantLabel: NO_LABEL,
  variants: [
    ['30 ml', '30 ml', '30 ml', '30 ml', '30ml', '30 ml'],
    ['50 ml', '50 ml', '50 ml', '50 ml', '50ml', '50 ml'],
    ['100 ml', '100 ml', '100 ml', '100 ml', '100ml', '100 ml'],
  ],
  priceUsd: [12, 95],
  share: 1,
  brands: {
    global: ['Lumière Skin', 'Dewdrop', 'Pure Theory'],
    local: { US: ['Mesa Botanics'], GB: ['Hartley & Rose'], DE: ['Hautwerk'], FR: ['Belle Source'], ES: ['Aloe Mar'], JP: ['雫'], BR: ['Açaí Beauty'] },
  },
};

// fr sac à dos (m. sg.), es/pt mochila (f. sg.).
export const BACKPACKS: CategoryTable = {
  id: 'backpacks',
  name: ['Backpacks', 'Rucksäcke', 'Sacs à dos', 'Mochilas', 'リュック', 'Mochilas'],
  nouns: [
    ['backpack', 'Rucksack', 'sac à dos', 'mochila', 'リュック', 'mochila'],
    ['hiking backpack', 'Wanderrucksack', 'sac à dos de randonnée', 'mochila de senderismo', '登山リュック', 'mochila de trilha'],
    ['laptop backpack', 'Laptop-Rucksack', 'sac à dos pour ordinateur', 'mochila para portátil', 'PCリュック', 'mochila para notebook'],
    ['travel backpack', 'Reiserucksack', 'sac à dos de voyage', 'mochila de viaje', 'トラベルリュック', 'mochila de viagem'],
  ],
  adjectives: [
    ['waterproof', 'wasserdicht', 'imperméable', 'impermeable', '防水', 'impermeável'],
    ['lightweight', 'leicht', 'léger', 'ligera', '軽量', 'leve'],
    ['anti-theft', 'Anti-Diebstahl', 'antivol', 'antirrobo', '盗難防止', 'antifurto'],
    ['large', 'groß', 'grand', 'grande', '大容量', 'grande'],
    ['roll-top', 'Rolltop', 'roll-top', 'roll-top', 'ロールトップ', 'roll-top'],
  ],
  details: [
    ['20 L', '20 L', '20 L', '20 L', '20L', '20 L'],
    ['30 L', '30 L', '30 L', '30 L', '30L', '30 L'],
    ['40 L', '40 L', '40 L', '40 L', '40L', '40 L'],
  ],
  variantLabel: COLOUR_LABEL,
  variants: COLOURS,
  priceUsd: [30, 210],
  share: 0.9,
  brands: {
    global: ['Trailpack', 'Nomad Lab', 'Carryall'],
    local: { US: ['Bison Gear'], GB: ['Lakeland Packs'], DE: ['Bergsack'], FR: ['Baroudeur'], ES: ['Mochilas Pirineo'], JP: ['旅路'], BR: ['Mochileiro'] },
  },
};
