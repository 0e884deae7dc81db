import { NO_LABEL } from './common.ts';
import type { CategoryTable } from './types.ts';

// fr/es/pt café is masculine singular.
export const COFFEE: CategoryTable = {
  id: 'coffee',
  name: ['Coffee', 'Kaffee', 'Café', 'Café', 'コーヒー', 'Café'],
  nouns: [
    ['coffee', 'Kaffee', 'café', 'café', 'コーヒー', 'café'],
    ['espresso', 'Espresso', 'espresso', 'espresso', 'エスプレッソ', 'espresso'],
    ['cold brew coffee', 'Cold-Brew-Kaffee', 'café cold brew', 'café cold brew', '水出しコーヒー', 'café cold brew'],
    ['decaf coffee', 'entkoffeinierter Kaffee', 'café décaféiné', 'café descafeinado', 'デカフェコーヒー', 'café descafeinado'],
  ],
  adjectives: [
    ['dark roast', 'dunkel geröstet', 'torréfaction foncée', 'de tueste oscuro', '深煎り', 'torra escura'],
    ['medium roast', 'mittel geröstet', 'torréfaction moyenne', 'de tueste medio', '中煎り', 'torra média'],
    ['organic', 'Bio', 'bio', 'ecológico', 'オーガニック', 'orgânico'],
    ['single-origin', 'Single Origin', "d'origine unique", 'de origen único', 'シングルオリジン', 'de origem única'],
    ['fair trade', 'Fairtrade', 'équitable', 'de comercio justo', 'フェアトレード', 'de comércio justo'],
  ],
  details: [
    ['whole bean', 'ganze Bohnen', 'en grains', 'en grano', '豆', 'em grãos'],
    ['ground', 'gemahlen', 'moulu', 'molido', '粉', 'moído'],
    ['capsules', 'Kapseln', 'en capsules', 'en cápsulas', 'カプセル', 'em cápsulas'],
  ],
  variantLabel: ['', 'Herkunft', 'origine', 'origen', '', 'origem'],
  variants: [
    ['Colombia', 'Kolumbien', 'Colombie', 'Colombia', 'コロンビア', 'Colômbia'],
    ['Ethiopia', 'Äthiopien', 'Éthiopie', 'Etiopía', 'エチオピア', 'Etiópia'],
    ['Brazil', 'Brasilien', 'Brésil', 'Brasil', 'ブラジル', 'Brasil'],
    ['Kenya', 'Kenia', 'Kenya', 'Kenia', 'ケニア', 'Quênia'],
    ['Guatemala', 'Guatemala', 'Guatemala', 'Guatemala', 'グアテマラ', 'Guatemala'],
  ],
  priceUsd: [8, 45],
  share: 0.9,
  brands: {
    global: ['Roastery Nine', 'Crema & Co', 'Highland Bean'],
    local: { US: ['Pike Street Roasters'], GB: ['Brixton Roast'], DE: ['Röstwerk'], FR: ['Maison Arabica'], ES: ['Cafés Alba'], JP: ['豆工房'], BR: ['Serra Mineira'] },
  },
};

// fr thé, es té, pt chá: masculine singular; adjectives that do not inflect in fr.
export const TEA: CategoryTable = {
  id: 'tea',
  name: ['Tea', 'Tee', 'Thé', 'Té', 'お茶', 'Chá'],
  nouns: [
    ['green tea', 'grüner Tee', 'thé vert', 'té verde', '緑茶', 'chá verde'],
    ['black tea', 'Schwarztee', 'thé noir', 'té negro', '紅茶', 'chá preto'],
    ['herbal tea', 'Kräutertee', 'thé aux herbes', 'té de hierbas', 'ハーブティー', 'chá de ervas'],
    ['matcha', 'Matcha', 'matcha', 'matcha', '抹茶', 'matchá'],
    ['oolong tea', 'Oolong-Tee', 'thé oolong', 'té oolong', '烏龍茶', 'chá oolong'],
  ],
  adjectives: [
    ['organic', 'Bio', 'bio', 'ecológico', 'オーガニック', 'orgânico'],
    ['premium', 'Premium', 'premium', 'premium', 'プレミアム', 'premium'],
    ['aromatic', 'aromatisch', 'aromatique', 'aromático', '香り高い', 'aromático'],
    ['detox', 'Detox', 'détox', 'detox', 'デトックス', 'detox'],
  ],
  details: [
    ['loose leaf', 'lose', 'en vrac', 'a granel', '茶葉', 'a granel'],
    ['tea bags', 'im Beutel', 'en sachets', 'en bolsitas', 'ティーバッグ', 'em sachês'],
  ],
  variantLabel: NO_LABEL,
  variants: [
    ['100 g', '100 g', '100 g', '100 g', '100g', '100 g'],
    ['250 g', '250 g', '250 g', '250 g', '250g', '250 g'],
    ['500 g', '500 g', '500 g', '500 g', '500g', '500 g'],
  ],
  priceUsd: [5, 32],
  share: 0.8,
  brands: {
    global: ['Leafhouse', 'Camellia & Co', 'Steep'],
    local: { US: ['Boston Harbor Tea'], GB: ['Bramble Tea Co'], DE: ['Teekontor'], FR: ['Maison Thé'], ES: ['Hoja Verde'], JP: ['宇治花火'], BR: ['Chá Mate Sul'] },
  },
};
