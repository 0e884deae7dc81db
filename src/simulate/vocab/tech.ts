import { COLOURS, COLOUR_LABEL, NO_LABEL } from './common.ts';
import type { CategoryTable } from './types.ts';

// Adjectives that do not inflect ("sans fil", "sem fio"), since nouns mix casque/écouteurs.
export const HEADPHONES: CategoryTable = {
  id: 'headphones',
  name: ['Headphones', 'Kopfhörer', 'Casques et écouteurs', 'Auriculares', 'ヘッドホン・イヤホン', 'Fones de ouvido'],
  nouns: [
    ['headphones', 'Kopfhörer', 'casque audio', 'cascos', 'ヘッドホン', 'headphone'],
    ['earbuds', 'In-Ear-Kopfhörer', 'écouteurs', 'auriculares', 'イヤホン', 'fone de ouvido'],
    ['sports earbuds', 'Sport-Kopfhörer', 'écouteurs de sport', 'auriculares deportivos', 'スポーツイヤホン', 'fone esportivo'],
    ['studio headphones', 'Studiokopfhörer', 'casque de studio', 'cascos de estudio', 'スタジオヘッドホン', 'headphone de estúdio'],
  ],
  adjectives: [
    ['wireless', 'kabellos', 'sans fil', 'inalámbricos', 'ワイヤレス', 'sem fio'],
    ['noise-cancelling', 'mit Geräuschunterdrückung', 'à réduction de bruit', 'con cancelación de ruido', 'ノイズキャンセリング', 'com cancelamento de ruído'],
    ['Bluetooth', 'Bluetooth', 'Bluetooth', 'Bluetooth', 'Bluetooth', 'Bluetooth'],
    ['hi-fi', 'Hi-Fi', 'hi-fi', 'de alta fidelidad', 'ハイレゾ', 'hi-fi'],
    ['USB-C', 'USB-C', 'USB-C', 'USB-C', 'USB-C', 'USB-C'],
  ],
  details: [
    ['with charging case', 'mit Ladecase', 'avec boîtier de charge', 'con estuche de carga', '充電ケース付き', 'com estojo de carga'],
    ['40 h battery', '40 h Akkulaufzeit', 'autonomie 40 h', '40 h de batería', '40時間再生', 'bateria de 40 h'],
    ['with microphone', 'mit Mikrofon', 'avec micro', 'con micrófono', 'マイク付き', 'com microfone'],
  ],
  variantLabel: COLOUR_LABEL,
  variants: COLOURS.slice(0, 4),
  priceUsd: [25, 380],
  share: 1,
  brands: {
    global: ['Sonara', 'Auralis', 'Vibe Theory'],
    local: { US: ['Bayline Audio'], GB: ['Albion Sound'], DE: ['Klangwerk'], FR: ['Écho Paris'], ES: ['Sonido Sol'], JP: ['Otonami'], BR: ['Batuque'] },
  },
};

// fr/es/pt nouns are all masculine singular.
export const SMARTPHONES: CategoryTable = {
  id: 'smartphones',
  name: ['Smartphones', 'Smartphones', 'Smartphones', 'Smartphones', 'スマートフォン', 'Celulares'],
  nouns: [
    ['smartphone', 'Smartphone', 'smartphone', 'smartphone', 'スマートフォン', 'smartphone'],
    ['mobile phone', 'Handy', 'téléphone portable', 'teléfono móvil', '携帯電話', 'celular'],
    ['rugged phone', 'Outdoor-Handy', 'téléphone durci', 'móvil resistente', 'タフネススマホ', 'celular resistente'],
    ['compact phone', 'Kompakt-Smartphone', 'smartphone compact', 'smartphone compacto', 'コンパクトスマホ', 'smartphone compacto'],
  ],
  adjectives: [
    ['unlocked', 'ohne Vertrag', 'débloqué', 'libre', 'SIMフリー', 'desbloqueado'],
    ['5G', '5G', '5G', '5G', '5G', '5G'],
    ['dual SIM', 'Dual-SIM', 'double SIM', 'dual SIM', 'デュアルSIM', 'dual chip'],
    ['refurbished', 'generalüberholt', 'reconditionné', 'reacondicionado', '整備済み', 'recondicionado'],
  ],
  details: [
    ['128 GB', '128 GB', '128 Go', '128 GB', '128GB', '128 GB'],
    ['256 GB', '256 GB', '256 Go', '256 GB', '256GB', '256 GB'],
    ['512 GB', '512 GB', '512 Go', '512 GB', '512GB', '512 GB'],
  ],
  variantLabel: COLOUR_LABEL,
  variants: COLOURS.slice(0, 4),
  priceUsd: [160, 1250],
  share: 0.7,
  brands: {
    global: ['Novaphone', 'Lumen', 'Orbit'],
    local: { US: ['Liberty Mobile'], GB: ['Kestrel'], DE: ['Funkwerk'], FR: ['Hexa'], ES: ['Faro'], JP: ['Hikari'], BR: ['Ipê'] },
  },
};

// fr montre (f. sg.), es reloj / pt relógio (m. sg.).
export const WATCHES: CategoryTable = {
  id: 'watches',
  name: ['Watches', 'Uhren', 'Montres', 'Relojes', '腕時計', 'Relógios'],
  nouns: [
    ['watch', 'Armbanduhr', 'montre', 'reloj', '腕時計', 'relógio'],
    ['smartwatch', 'Smartwatch', 'montre connectée', 'reloj inteligente', 'スマートウォッチ', 'relógio inteligente'],
    ['dive watch', 'Taucheruhr', 'montre de plongée', 'reloj de buceo', 'ダイバーズウォッチ', 'relógio de mergulho'],
    ['chronograph', 'Chronograph', 'montre chronographe', 'reloj cronógrafo', 'クロノグラフ', 'relógio cronógrafo'],
  ],
  adjectives: [
    ['automatic', 'Automatik', 'automatique', 'automático', '自動巻き', 'automático'],
    ['water-resistant', 'wasserdicht', 'étanche', 'resistente al agua', '防水', "à prova d'água"],
    ['minimalist', 'minimalistisch', 'minimaliste', 'minimalista', 'ミニマル', 'minimalista'],
    ['solar', 'Solar', 'solaire', 'solar', 'ソーラー', 'solar'],
    ['vintage', 'Vintage', 'vintage', 'vintage', 'ヴィンテージ', 'vintage'],
  ],
  details: [
    ['stainless steel', 'aus Edelstahl', 'en acier inoxydable', 'de acero inoxidable', 'ステンレス', 'de aço inoxidável'],
    ['leather strap', 'mit Lederarmband', 'bracelet en cuir', 'con correa de piel', 'レザーベルト', 'com pulseira de couro'],
    ['titanium', 'aus Titan', 'en titane', 'de titanio', 'チタン', 'de titânio'],
  ],
  variantLabel: NO_LABEL,
  variants: [
    ['38 mm', '38 mm', '38 mm', '38 mm', '38mm', '38 mm'],
    ['42 mm', '42 mm', '42 mm', '42 mm', '42mm', '42 mm'],
    ['46 mm', '46 mm', '46 mm', '46 mm', '46mm', '46 mm'],
  ],
  priceUsd: [40, 950],
  share: 0.8,
  brands: {
    global: ['Tempus', 'Chronos & Co', 'Horizon Watch Co'],
    local: { US: ['Union Clockworks'], GB: ['Greenwich Horology'], DE: ['Uhrwerk Nord'], FR: ['Horlogerie Lumière'], ES: ['Relojes Sol'], JP: ['Tokei Kobo'], BR: ['Tempo Carioca'] },
  },
};
