import type { Lang } from '../markets.ts';
import type { Phrases } from './types.ts';

/**
 * Fixed sentences per language. `byline` places {Noun}/{noun}, {Adj}/{adj}, {detail} and {brand}
 * (capitalized placeholders capitalize the first letter). Reviews may name {brand}.
 */
export const PHRASES: Readonly<Record<Lang, Phrases>> = {
  en: {
    byline: '{Adj} {noun} by {brand}, {detail}.',
    selling: ['Free returns within 30 days.', 'Ships within 24 hours.', 'A customer favourite.', 'Designed for everyday use.', 'New this season.', 'Limited stock available.'],
    positive: ['Excellent quality, exactly as described.', 'Love it, would buy again.', 'Great value for the price.', 'Fast delivery and well packaged.', 'Better than I expected.', 'Highly recommend {brand}.'],
    neutral: ['It is okay, nothing special.', 'Decent quality for the price.', 'Does the job.', 'Average, as expected.', 'Some good points, some less so.'],
    negative: ['Poor quality, very disappointed.', 'Not as described.', 'Broke after a week.', 'Arrived late and damaged.', 'Would not recommend {brand}.', 'Not worth the money.'],
  },
  de: {
    byline: '{Noun} von {brand}, {adj}, {detail}.',
    selling: ['Kostenlose Rücksendung innerhalb von 30 Tagen.', 'Versand innerhalb von 24 Stunden.', 'Ein Liebling unserer Kundschaft.', 'Für den täglichen Gebrauch gemacht.', 'Neu in dieser Saison.', 'Nur noch wenige auf Lager.'],
    positive: ['Hervorragende Qualität, genau wie beschrieben.', 'Super, würde ich wieder kaufen.', 'Tolles Preis-Leistungs-Verhältnis.', 'Schnelle Lieferung, gut verpackt.', 'Besser als erwartet.', 'Klare Empfehlung für {brand}.'],
    neutral: ['Ganz okay, nichts Besonderes.', 'Ordentliche Qualität für den Preis.', 'Erfüllt seinen Zweck.', 'Durchschnittlich, wie erwartet.', 'Teils gut, teils weniger.'],
    negative: ['Schlechte Qualität, sehr enttäuscht.', 'Nicht wie beschrieben.', 'Nach einer Woche kaputt.', 'Kam zu spät und beschädigt an.', '{brand} kann ich nicht empfehlen.', 'Das Geld nicht wert.'],
  },
  fr: {
    byline: '{Noun} {adj} de la marque {brand}, {detail}.',
    selling: ['Retours gratuits sous 30 jours.', 'Expédié sous 24 heures.', 'Un favori de nos clients.', 'Conçu pour un usage quotidien.', 'Nouveauté de la saison.', 'Stock limité.'],
    positive: ['Excellente qualité, conforme à la description.', "J'adore, je rachèterai.", 'Très bon rapport qualité-prix.', 'Livraison rapide et bien emballé.', "Mieux que ce que j'attendais.", 'Je recommande {brand}.'],
    neutral: ['Correct, sans plus.', 'Qualité correcte pour le prix.', 'Fait le travail.', 'Moyen, comme prévu.', 'Des points positifs et des moins bons.'],
    negative: ['Mauvaise qualité, très déçu.', 'Non conforme à la description.', "Cassé au bout d'une semaine.", 'Arrivé en retard et abîmé.', 'Je ne recommande pas {brand}.', 'Ne vaut pas son prix.'],
  },
  es: {
    byline: '{Noun} {adj} de la marca {brand}, {detail}.',
    selling: ['Devoluciones gratuitas en 30 días.', 'Envío en 24 horas.', 'Uno de los favoritos de nuestros clientes.', 'Diseñado para el uso diario.', 'Novedad de la temporada.', 'Existencias limitadas.'],
    positive: ['Calidad excelente, tal como se describe.', 'Me encanta, volvería a comprarlo.', 'Muy buena relación calidad-precio.', 'Envío rápido y bien embalado.', 'Mejor de lo que esperaba.', 'Recomiendo {brand} sin dudarlo.'],
    neutral: ['Está bien, nada especial.', 'Calidad aceptable para el precio.', 'Cumple su función.', 'Normal, como esperaba.', 'Tiene cosas buenas y otras no tanto.'],
    negative: ['Mala calidad, muy decepcionado.', 'No es como se describe.', 'Se rompió a la semana.', 'Llegó tarde y dañado.', 'No recomiendo {brand}.', 'No vale lo que cuesta.'],
  },
  ja: {
    byline: '{brand}の{adj}{noun}（{detail}）。',
    selling: ['30日以内の返品無料。', '24時間以内に発送。', 'お客様に人気の商品です。', '毎日使いやすいデザイン。', '今シーズンの新作。', '在庫限り。'],
    positive: ['品質がとても良く、説明どおりです。', 'とても気に入りました。また買います。', 'コスパが最高です。', '配送が早く、梱包も丁寧でした。', '期待以上でした。', '{brand}はおすすめです。'],
    neutral: ['まあまあです。', '値段相応の品質です。', '普通に使えます。', '可もなく不可もなく。', '良い点も悪い点もあります。'],
    negative: ['品質が悪く、とても残念です。', '説明と違います。', '一週間で壊れました。', '届くのが遅く、破損していました。', '{brand}はおすすめしません。', '値段に見合いません。'],
  },
  pt: {
    byline: '{Noun} {adj} da marca {brand}, {detail}.',
    selling: ['Devolução grátis em até 30 dias.', 'Enviado em até 24 horas.', 'Um dos favoritos dos clientes.', 'Feito para o dia a dia.', 'Novidade da estação.', 'Estoque limitado.'],
    positive: ['Qualidade excelente, exatamente como descrito.', 'Adorei, compraria de novo.', 'Ótimo custo-benefício.', 'Entrega rápida e bem embalado.', 'Melhor do que eu esperava.', 'Recomendo {brand}.'],
    neutral: ['É ok, nada de especial.', 'Qualidade razoável pelo preço.', 'Cumpre o que promete.', 'Mediano, como esperado.', 'Tem pontos bons e outros nem tanto.'],
    negative: ['Qualidade ruim, muito decepcionado.', 'Não é como descrito.', 'Quebrou depois de uma semana.', 'Chegou atrasado e danificado.', 'Não recomendo {brand}.', 'Não vale o preço.'],
  },
};
