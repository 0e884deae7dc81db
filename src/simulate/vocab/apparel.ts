import { COLOURS, COLOUR_LABEL } from './common.ts';
import type { CategoryTable } from './types.ts';

// fr/es adjectives are feminine plural for shoes, pt masculine singular ("tênis leve").
export const RUNNING_SHOES: CategoryTable = {
  id: 'running-shoes',
  name: ['Running shoes', 'Laufschuhe', 'Chaussures de running', 'Zapatillas de running', 'ランニングシューズ', 'Tênis de corrida'],
  nouns: [
    ['running shoes', 'Laufschuhe', 'chaussures de running', 'zapatillas de running', 'ランニングシューズ', 'tênis de corrida'],
    ['trail running shoes', 'Trailrunning-Schuhe', 'chaussures de trail', 'zapatillas de trail', 'トレイルランニングシューズ', 'tênis de trilha'],
    ['racing shoes', 'Wettkampfschuhe', 'chaussures de compétition', 'zapatillas de competición', 'レーシングシューズ', 'tênis de competição'],
    ['walking shoes', 'Walkingschuhe', 'chaussures de marche', 'zapatillas para caminar', 'ウォーキングシューズ', 'tênis de caminhada'],
  ],
  adjectives: [
    ['lightweight', 'leicht', 'légères', 'ligeras', '軽量', 'leve'],
    ['breathable', 'atmungsaktiv', 'respirantes', 'transpirables', '通気性', 'respirável'],
    ['cushioned', 'gedämpft', 'amorties', 'amortiguadas', 'クッション性', 'amortecido'],
    ['waterproof', 'wasserdicht', 'imperméables', 'impermeables', '防水', 'impermeável'],
    ["women's", 'Damen', 'femme', 'para mujer', 'レディース', 'feminino'],
    ["men's", 'Herren', 'homme', 'para hombre', 'メンズ', 'masculino'],
  ],
  details: [
    ['mesh', 'aus Mesh', 'en mesh', 'de malla', 'メッシュ', 'em malha'],
    ['knit', 'aus Strick', 'en maille tricotée', 'de punto', 'ニット', 'em tricô'],
    ['recycled materials', 'aus Recyclingmaterial', 'en matières recyclées', 'de material reciclado', 'リサイクル素材', 'de material reciclado'],
  ],
  variantLabel: COLOUR_LABEL,
  variants: COLOURS,
  priceUsd: [55, 190],
  share: 1.2,
  brands: {
    global: ['Stridewell', 'Aerolope', 'Kinetica'],
    local: { US: ['Trailhead Athletics'], GB: ['Fellrunner'], DE: ['Laufwerk'], FR: ['Foulée'], ES: ['Zancada'], JP: ['Hayate'], BR: ['Passada'] },
  },
};

export const SNEAKERS: CategoryTable = {
  id: 'sneakers',
  name: ['Sneakers', 'Sneaker', 'Baskets', 'Zapatillas urbanas', 'スニーカー', 'Tênis casual'],
  nouns: [
    ['sneakers', 'Sneaker', 'baskets', 'zapatillas urbanas', 'スニーカー', 'tênis casual'],
    ['low-top sneakers', 'Low-Top-Sneaker', 'baskets basses', 'zapatillas bajas', 'ローカットスニーカー', 'tênis cano baixo'],
    ['high-top sneakers', 'High-Top-Sneaker', 'baskets montantes', 'zapatillas altas', 'ハイカットスニーカー', 'tênis cano alto'],
    ['slip-on sneakers', 'Slip-on-Sneaker', 'baskets à enfiler', 'zapatillas sin cordones', 'スリッポン', 'tênis slip-on'],
  ],
  adjectives: [
    ['classic', 'klassisch', 'classiques', 'clásicas', 'クラシック', 'clássico'],
    ['retro', 'retro', 'rétro', 'retro', 'レトロ', 'retrô'],
    ['minimalist', 'minimalistisch', 'minimalistes', 'minimalistas', 'ミニマル', 'minimalista'],
    ['vegan', 'vegan', 'véganes', 'veganas', 'ヴィーガン', 'vegano'],
    ['comfortable', 'bequem', 'confortables', 'cómodas', '快適', 'confortável'],
    ['unisex', 'Unisex', 'unisexes', 'unisex', 'ユニセックス', 'unissex'],
  ],
  details: [
    ['leather', 'aus Leder', 'en cuir', 'de piel', 'レザー', 'de couro'],
    ['canvas', 'aus Canvas', 'en toile', 'de lona', 'キャンバス', 'de lona'],
    ['suede', 'aus Wildleder', 'en daim', 'de ante', 'スエード', 'de camurça'],
  ],
  variantLabel: COLOUR_LABEL,
  variants: COLOURS,
  priceUsd: [45, 160],
  share: 1.2,
  brands: {
    global: ['Urbanstep', 'Kicklane', 'Nordform'],
    local: { US: ['Brooklyn Court'], GB: ['Camden Kicks'], DE: ['Turnhalle'], FR: ['Le Pavé'], ES: ['Alpargata Nova'], JP: ['Kawa'], BR: ['Ginga'] },
  },
};

// fr veste (f. sg.), es chaqueta (f. sg.), pt jaqueta (f. sg.).
export const JACKETS: CategoryTable = {
  id: 'jackets',
  name: ['Jackets', 'Jacken', 'Vestes', 'Chaquetas', 'ジャケット', 'Jaquetas'],
  nouns: [
    ['rain jacket', 'Regenjacke', 'veste de pluie', 'chaqueta de lluvia', 'レインジャケット', 'jaqueta de chuva'],
    ['down jacket', 'Daunenjacke', 'veste en duvet', 'chaqueta de plumón', 'ダウンジャケット', 'jaqueta de pluma'],
    ['softshell jacket', 'Softshelljacke', 'veste softshell', 'chaqueta softshell', 'ソフトシェルジャケット', 'jaqueta softshell'],
    ['denim jacket', 'Jeansjacke', 'veste en jean', 'chaqueta vaquera', 'デニムジャケット', 'jaqueta jeans'],
  ],
  adjectives: [
    ['waterproof', 'wasserdicht', 'imperméable', 'impermeable', '防水', 'impermeável'],
    ['warm', 'warm', 'chaude', 'abrigada', '防寒', 'quente'],
    ['packable', 'verstaubar', 'compressible', 'plegable', 'パッカブル', 'dobrável'],
    ['hooded', 'mit Kapuze', 'à capuche', 'con capucha', 'フード付き', 'com capuz'],
    ['slim-fit', 'Slim Fit', 'coupe ajustée', 'entallada', 'スリムフィット', 'slim'],
    ['oversized', 'Oversize', 'oversize', 'oversize', 'オーバーサイズ', 'oversized'],
  ],
  details: [
    ['nylon', 'aus Nylon', 'en nylon', 'de nailon', 'ナイロン', 'de náilon'],
    ['recycled polyester', 'aus recyceltem Polyester', 'en polyester recyclé', 'de poliéster reciclado', '再生ポリエステル', 'de poliéster reciclado'],
    ['organic cotton', 'aus Bio-Baumwolle', 'en coton bio', 'de algodón orgánico', 'オーガニックコットン', 'de algodão orgânico'],
  ],
  variantLabel: COLOUR_LABEL,
  variants: COLOURS,
  priceUsd: [70, 320],
  share: 1.1,
  brands: {
    global: ['Northline', 'Alpenglow', 'Tidewater'],
    local: { US: ['Cascade & Pine'], GB: ['Mackworth'], DE: ['Wetterfest'], FR: ['Mistral'], ES: ['Cierzo'], JP: ['Yamakaze'], BR: ['Garoa'] },
  },
};

// fr robe (f. sg.), es/pt vestido (m. sg.).
export const DRESSES: CategoryTable = {
  id: 'dresses',
  name: ['Dresses', 'Kleider', 'Robes', 'Vestidos', 'ワンピース', 'Vestidos'],
  nouns: [
    ['midi dress', 'Midikleid', 'robe midi', 'vestido midi', 'ミディワンピース', 'vestido midi'],
    ['maxi dress', 'Maxikleid', 'robe longue', 'vestido largo', 'マキシワンピース', 'vestido longo'],
    ['shirt dress', 'Blusenkleid', 'robe chemise', 'vestido camisero', 'シャツワンピース', 'vestido chemise'],
    ['wrap dress', 'Wickelkleid', 'robe portefeuille', 'vestido cruzado', 'カシュクールワンピース', 'vestido transpassado'],
  ],
  adjectives: [
    ['floral', 'geblümt', 'fleurie', 'estampado', '花柄', 'estampado'],
    ['elegant', 'elegant', 'élégante', 'elegante', 'エレガント', 'elegante'],
    ['summer', 'sommerlich', "d'été", 'de verano', 'サマー', 'de verão'],
    ['casual', 'lässig', 'décontractée', 'informal', 'カジュアル', 'casual'],
    ['pleated', 'plissiert', 'plissée', 'plisado', 'プリーツ', 'plissado'],
    ['sleeveless', 'ärmellos', 'sans manches', 'sin mangas', 'ノースリーブ', 'sem mangas'],
  ],
  details: [
    ['linen', 'aus Leinen', 'en lin', 'de lino', 'リネン', 'de linho'],
    ['viscose', 'aus Viskose', 'en viscose', 'de viscosa', 'ビスコース', 'de viscose'],
    ['cotton', 'aus Baumwolle', 'en coton', 'de algodón', 'コットン', 'de algodão'],
    ['silk', 'aus Seide', 'en soie', 'de seda', 'シルク', 'de seda'],
  ],
  variantLabel: COLOUR_LABEL,
  variants: COLOURS,
  priceUsd: [35, 240],
  share: 1.1,
  brands: {
    global: ['Maison Lys', 'Saffron Row', 'Verano'],
    local: { US: ['Hollis & Vine'], GB: ['Primrose Hill'], DE: ['Kleidwerk'], FR: ['Rue Cler'], ES: ['Brisa'], JP: ['Sakura Atelier'], BR: ['Flor de Lis'] },
  },
};
