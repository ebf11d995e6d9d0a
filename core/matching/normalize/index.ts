export { foldText, tokens, isPlaceholder } from './text';
export { normalisePersonName, formalNames, shareFormalName } from './person-name';
export { buildNicknameIndex, DEFAULT_NICKNAMES, NICKNAME_PAIR_COUNT, type NicknameIndex } from './nicknames';
export { normaliseCompanyName, COMPANY_STOPWORDS } from './company-name';
export { normaliseEmail, emailParts, FREE_MAIL_DOMAINS } from './email';
export { PhoneNormaliser, phoneTail } from './phone';
export { normaliseAddress, normalisePostcode, addressNumbers, numbersOf } from './address';
export { normaliseDate } from './date';
export { normaliseDomain, organisationDomain } from './domain';
