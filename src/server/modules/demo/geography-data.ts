/**
 * Static geography for the demo network: the OEM's US sales regions, the states in each, and the
 * numbers that drive dealer placement and EV adoption. Figures are rounded public orders of
 * magnitude (population in millions as a proxy for dealer counts; battery-electric share of new
 * vehicle sales around mid-2024), good enough to make a demo look like the real United States, not
 * a statistical source. See docs/demo-network.md.
 */

export type RegionKey = 'NE' | 'SE' | 'MW' | 'SC' | 'MT' | 'W';

export type RegionSpec = {
  key: RegionKey;
  code: string;
  name: string;
  /** Multiplies the amplitude of the national seasonal pattern (harsh winters: > 1). */
  seasonalAmplitude: number;
  /** Extra January–February dip (snow) as a fraction of demand, e.g. 0.06 = −6 %. */
  winterDip: number;
};

export const NATION = { code: 'US', name: 'United States' } as const;

// prettier-ignore
export const REGIONS: ReadonlyArray<RegionSpec> = [
  { key: 'NE', code: 'US-NE', name: 'Northeast', seasonalAmplitude: 1.2, winterDip: 0.05 },
  { key: 'SE', code: 'US-SE', name: 'Southeast', seasonalAmplitude: 0.8, winterDip: 0 },
  { key: 'MW', code: 'US-MW', name: 'Midwest', seasonalAmplitude: 1.3, winterDip: 0.07 },
  { key: 'SC', code: 'US-SC', name: 'South Central', seasonalAmplitude: 0.8, winterDip: 0 },
  { key: 'MT', code: 'US-MT', name: 'Mountain', seasonalAmplitude: 1.1, winterDip: 0.04 },
  { key: 'W', code: 'US-W', name: 'Pacific West', seasonalAmplitude: 0.75, winterDip: 0 },
];

export type StateSpec = {
  code: string;
  name: string;
  region: RegionKey;
  /** Relative number of dealers (≈ population in millions). */
  weight: number;
  /** Battery-electric share of new-vehicle sales around mid-2024 (anchors the logistic curve). */
  bevShare2024: number;
  /** Relative appetite for hybrids (1 = national average). */
  hybridIndex: number;
  /** Cities with dealerships, largest first (metro stores go to the first ones). */
  cities: ReadonlyArray<string>;
};

// prettier-ignore
export const STATES: ReadonlyArray<StateSpec> = [
  // Northeast
  { code: 'CT', name: 'Connecticut', region: 'NE', weight: 3.6, bevShare2024: 0.08, hybridIndex: 1.2, cities: ['Hartford', 'New Haven', 'Stamford', 'Bridgeport', 'Waterbury', 'Danbury'] },
  { code: 'DE', name: 'Delaware', region: 'NE', weight: 1.0, bevShare2024: 0.075, hybridIndex: 1.1, cities: ['Wilmington', 'Dover', 'Newark', 'Milford'] },
  { code: 'DC', name: 'District of Columbia', region: 'NE', weight: 0.3, bevShare2024: 0.13, hybridIndex: 1.3, cities: ['Washington'] },
  { code: 'ME', name: 'Maine', region: 'NE', weight: 1.4, bevShare2024: 0.05, hybridIndex: 1.1, cities: ['Portland', 'Bangor', 'Lewiston', 'Augusta'] },
  { code: 'MD', name: 'Maryland', region: 'NE', weight: 6.2, bevShare2024: 0.09, hybridIndex: 1.15, cities: ['Baltimore', 'Rockville', 'Annapolis', 'Frederick', 'Gaithersburg', 'Salisbury'] },
  { code: 'MA', name: 'Massachusetts', region: 'NE', weight: 7.0, bevShare2024: 0.09, hybridIndex: 1.25, cities: ['Boston', 'Worcester', 'Springfield', 'Cambridge', 'Lowell', 'Framingham', 'Hyannis'] },
  { code: 'NH', name: 'New Hampshire', region: 'NE', weight: 1.4, bevShare2024: 0.06, hybridIndex: 1.1, cities: ['Manchester', 'Nashua', 'Concord', 'Portsmouth'] },
  { code: 'NJ', name: 'New Jersey', region: 'NE', weight: 9.3, bevShare2024: 0.11, hybridIndex: 1.2, cities: ['Newark', 'Jersey City', 'Paterson', 'Edison', 'Cherry Hill', 'Toms River', 'Morristown'] },
  { code: 'NY', name: 'New York', region: 'NE', weight: 19.5, bevShare2024: 0.08, hybridIndex: 1.2, cities: ['New York', 'Buffalo', 'Rochester', 'Syracuse', 'Albany', 'Yonkers', 'White Plains', 'Hempstead', 'Ithaca'] },
  { code: 'PA', name: 'Pennsylvania', region: 'NE', weight: 13.0, bevShare2024: 0.05, hybridIndex: 1.0, cities: ['Philadelphia', 'Pittsburgh', 'Allentown', 'Harrisburg', 'Erie', 'Lancaster', 'Scranton', 'State College'] },
  { code: 'RI', name: 'Rhode Island', region: 'NE', weight: 1.1, bevShare2024: 0.06, hybridIndex: 1.15, cities: ['Providence', 'Warwick', 'Cranston', 'Newport'] },
  { code: 'VT', name: 'Vermont', region: 'NE', weight: 0.65, bevShare2024: 0.08, hybridIndex: 1.3, cities: ['Burlington', 'Rutland', 'Montpelier', 'Brattleboro'] },
  // Southeast
  { code: 'AL', name: 'Alabama', region: 'SE', weight: 5.1, bevShare2024: 0.025, hybridIndex: 0.75, cities: ['Birmingham', 'Huntsville', 'Montgomery', 'Mobile', 'Tuscaloosa', 'Dothan'] },
  { code: 'FL', name: 'Florida', region: 'SE', weight: 22.0, bevShare2024: 0.07, hybridIndex: 1.0, cities: ['Miami', 'Orlando', 'Tampa', 'Jacksonville', 'Fort Lauderdale', 'St. Petersburg', 'Tallahassee', 'Fort Myers', 'Sarasota', 'Pensacola', 'Ocala'] },
  { code: 'GA', name: 'Georgia', region: 'SE', weight: 11.0, bevShare2024: 0.07, hybridIndex: 0.9, cities: ['Atlanta', 'Savannah', 'Augusta', 'Columbus', 'Macon', 'Athens', 'Marietta'] },
  { code: 'KY', name: 'Kentucky', region: 'SE', weight: 4.5, bevShare2024: 0.025, hybridIndex: 0.8, cities: ['Louisville', 'Lexington', 'Bowling Green', 'Owensboro', 'Paducah'] },
  { code: 'MS', name: 'Mississippi', region: 'SE', weight: 2.9, bevShare2024: 0.015, hybridIndex: 0.7, cities: ['Jackson', 'Gulfport', 'Hattiesburg', 'Tupelo', 'Southaven'] },
  { code: 'NC', name: 'North Carolina', region: 'SE', weight: 10.8, bevShare2024: 0.06, hybridIndex: 0.95, cities: ['Charlotte', 'Raleigh', 'Greensboro', 'Durham', 'Winston-Salem', 'Fayetteville', 'Asheville', 'Wilmington'] },
  { code: 'SC', name: 'South Carolina', region: 'SE', weight: 5.3, bevShare2024: 0.04, hybridIndex: 0.85, cities: ['Columbia', 'Charleston', 'Greenville', 'Myrtle Beach', 'Rock Hill', 'Spartanburg'] },
  { code: 'TN', name: 'Tennessee', region: 'SE', weight: 7.1, bevShare2024: 0.04, hybridIndex: 0.85, cities: ['Nashville', 'Memphis', 'Knoxville', 'Chattanooga', 'Clarksville', 'Murfreesboro'] },
  { code: 'VA', name: 'Virginia', region: 'SE', weight: 8.7, bevShare2024: 0.08, hybridIndex: 1.05, cities: ['Virginia Beach', 'Richmond', 'Arlington', 'Norfolk', 'Chesapeake', 'Roanoke', 'Fairfax', 'Charlottesville'] },
  { code: 'WV', name: 'West Virginia', region: 'SE', weight: 1.8, bevShare2024: 0.015, hybridIndex: 0.75, cities: ['Charleston', 'Huntington', 'Morgantown', 'Parkersburg', 'Wheeling'] },
  // Midwest
  { code: 'IL', name: 'Illinois', region: 'MW', weight: 12.5, bevShare2024: 0.07, hybridIndex: 1.0, cities: ['Chicago', 'Naperville', 'Schaumburg', 'Rockford', 'Springfield', 'Peoria', 'Joliet', 'Champaign'] },
  { code: 'IN', name: 'Indiana', region: 'MW', weight: 6.9, bevShare2024: 0.035, hybridIndex: 0.85, cities: ['Indianapolis', 'Fort Wayne', 'Evansville', 'South Bend', 'Carmel', 'Lafayette', 'Bloomington'] },
  { code: 'IA', name: 'Iowa', region: 'MW', weight: 3.2, bevShare2024: 0.025, hybridIndex: 0.85, cities: ['Des Moines', 'Cedar Rapids', 'Davenport', 'Sioux City', 'Iowa City', 'Waterloo'] },
  { code: 'KS', name: 'Kansas', region: 'MW', weight: 2.9, bevShare2024: 0.03, hybridIndex: 0.8, cities: ['Wichita', 'Overland Park', 'Kansas City', 'Topeka', 'Olathe', 'Salina'] },
  { code: 'MI', name: 'Michigan', region: 'MW', weight: 10.0, bevShare2024: 0.04, hybridIndex: 0.9, cities: ['Detroit', 'Grand Rapids', 'Troy', 'Ann Arbor', 'Lansing', 'Flint', 'Kalamazoo', 'Traverse City'] },
  { code: 'MN', name: 'Minnesota', region: 'MW', weight: 5.7, bevShare2024: 0.06, hybridIndex: 1.05, cities: ['Minneapolis', 'Saint Paul', 'Rochester', 'Bloomington', 'Duluth', 'St. Cloud'] },
  { code: 'MO', name: 'Missouri', region: 'MW', weight: 6.2, bevShare2024: 0.03, hybridIndex: 0.85, cities: ['Kansas City', 'St. Louis', 'Springfield', 'Columbia', 'Independence', 'Joplin'] },
  { code: 'NE', name: 'Nebraska', region: 'MW', weight: 2.0, bevShare2024: 0.03, hybridIndex: 0.85, cities: ['Omaha', 'Lincoln', 'Grand Island', 'Kearney'] },
  { code: 'ND', name: 'North Dakota', region: 'MW', weight: 0.8, bevShare2024: 0.012, hybridIndex: 0.7, cities: ['Fargo', 'Bismarck', 'Grand Forks', 'Minot'] },
  { code: 'OH', name: 'Ohio', region: 'MW', weight: 11.8, bevShare2024: 0.04, hybridIndex: 0.9, cities: ['Columbus', 'Cleveland', 'Cincinnati', 'Toledo', 'Akron', 'Dayton', 'Canton'] },
  { code: 'SD', name: 'South Dakota', region: 'MW', weight: 0.9, bevShare2024: 0.013, hybridIndex: 0.7, cities: ['Sioux Falls', 'Rapid City', 'Aberdeen'] },
  { code: 'WI', name: 'Wisconsin', region: 'MW', weight: 5.9, bevShare2024: 0.04, hybridIndex: 0.95, cities: ['Milwaukee', 'Madison', 'Green Bay', 'Kenosha', 'Appleton', 'Eau Claire'] },
  // South Central
  { code: 'AR', name: 'Arkansas', region: 'SC', weight: 3.0, bevShare2024: 0.025, hybridIndex: 0.75, cities: ['Little Rock', 'Fayetteville', 'Fort Smith', 'Jonesboro', 'Springdale'] },
  { code: 'LA', name: 'Louisiana', region: 'SC', weight: 4.6, bevShare2024: 0.02, hybridIndex: 0.75, cities: ['New Orleans', 'Baton Rouge', 'Shreveport', 'Lafayette', 'Lake Charles', 'Monroe'] },
  { code: 'OK', name: 'Oklahoma', region: 'SC', weight: 4.0, bevShare2024: 0.03, hybridIndex: 0.75, cities: ['Oklahoma City', 'Tulsa', 'Norman', 'Broken Arrow', 'Lawton'] },
  { code: 'TX', name: 'Texas', region: 'SC', weight: 30.0, bevShare2024: 0.06, hybridIndex: 0.9, cities: ['Houston', 'Dallas', 'San Antonio', 'Austin', 'Fort Worth', 'El Paso', 'Plano', 'Lubbock', 'Corpus Christi', 'McAllen', 'Amarillo', 'Tyler', 'Midland'] },
  // Mountain
  { code: 'AZ', name: 'Arizona', region: 'MT', weight: 7.4, bevShare2024: 0.09, hybridIndex: 1.05, cities: ['Phoenix', 'Tucson', 'Mesa', 'Chandler', 'Scottsdale', 'Flagstaff', 'Yuma'] },
  { code: 'CO', name: 'Colorado', region: 'MT', weight: 5.9, bevShare2024: 0.17, hybridIndex: 1.2, cities: ['Denver', 'Colorado Springs', 'Aurora', 'Fort Collins', 'Boulder', 'Pueblo', 'Grand Junction'] },
  { code: 'ID', name: 'Idaho', region: 'MT', weight: 2.0, bevShare2024: 0.05, hybridIndex: 0.9, cities: ['Boise', 'Meridian', 'Idaho Falls', 'Pocatello', "Coeur d'Alene", 'Twin Falls'] },
  { code: 'MT', name: 'Montana', region: 'MT', weight: 1.1, bevShare2024: 0.025, hybridIndex: 0.8, cities: ['Billings', 'Missoula', 'Bozeman', 'Great Falls', 'Helena'] },
  { code: 'NV', name: 'Nevada', region: 'MT', weight: 3.2, bevShare2024: 0.11, hybridIndex: 1.1, cities: ['Las Vegas', 'Henderson', 'Reno', 'Carson City'] },
  { code: 'NM', name: 'New Mexico', region: 'MT', weight: 2.1, bevShare2024: 0.05, hybridIndex: 0.95, cities: ['Albuquerque', 'Las Cruces', 'Santa Fe', 'Roswell', 'Farmington'] },
  { code: 'UT', name: 'Utah', region: 'MT', weight: 3.4, bevShare2024: 0.08, hybridIndex: 1.0, cities: ['Salt Lake City', 'Provo', 'Ogden', 'St. George', 'Orem', 'Logan'] },
  { code: 'WY', name: 'Wyoming', region: 'MT', weight: 0.6, bevShare2024: 0.015, hybridIndex: 0.7, cities: ['Cheyenne', 'Casper', 'Laramie', 'Gillette'] },
  // Pacific West
  { code: 'AK', name: 'Alaska', region: 'W', weight: 0.7, bevShare2024: 0.03, hybridIndex: 0.9, cities: ['Anchorage', 'Fairbanks', 'Juneau', 'Wasilla'] },
  { code: 'CA', name: 'California', region: 'W', weight: 39.0, bevShare2024: 0.22, hybridIndex: 1.35, cities: ['Los Angeles', 'San Diego', 'San Jose', 'San Francisco', 'Sacramento', 'Irvine', 'Oakland', 'Fresno', 'Riverside', 'Bakersfield', 'Santa Rosa', 'Redding'] },
  { code: 'HI', name: 'Hawaii', region: 'W', weight: 1.4, bevShare2024: 0.12, hybridIndex: 1.3, cities: ['Honolulu', 'Hilo', 'Kahului', 'Kailua'] },
  { code: 'OR', name: 'Oregon', region: 'W', weight: 4.2, bevShare2024: 0.13, hybridIndex: 1.3, cities: ['Portland', 'Salem', 'Eugene', 'Bend', 'Medford', 'Beaverton'] },
  { code: 'WA', name: 'Washington', region: 'W', weight: 7.8, bevShare2024: 0.17, hybridIndex: 1.3, cities: ['Seattle', 'Bellevue', 'Tacoma', 'Spokane', 'Vancouver', 'Everett', 'Yakima', 'Olympia'] },
];

/** Parts of generated small-town names ("Cedar Falls", "Millbrook") for rural dealer points. */
// prettier-ignore
export const TOWN_PREFIXES: ReadonlyArray<string> = [
  'Cedar', 'Oak', 'Maple', 'Pine', 'Elm', 'Willow', 'Spring', 'Clear', 'Fair', 'Green', 'Rock',
  'Stone', 'Mill', 'Red', 'White', 'Silver', 'Lake', 'River', 'Ash', 'Bear', 'Deer', 'Fox',
  'Eagle', 'Hawk', 'Iron', 'Glen', 'Sand', 'Salt', 'Pleasant', 'Walnut', 'Hickory', 'Prairie',
];
// prettier-ignore
export const TOWN_SUFFIXES: ReadonlyArray<string> = [
  'ville', 'ton', 'field', 'wood', 'dale', 'brook', 'port', 'burg', 'view', 'ford',
  ' Falls', ' Springs', ' Ridge', ' Valley', ' Hills', ' Junction', ' City', ' Grove', ' Creek',
  ' Crossing',
];

// prettier-ignore
export const SURNAMES: ReadonlyArray<string> = [
  'Anderson', 'Baker', 'Bennett', 'Brennan', 'Brooks', 'Carter', 'Castillo', 'Collins', 'Cooper',
  'Davis', 'Donovan', 'Edwards', 'Ellis', 'Fisher', 'Foster', 'Gallagher', 'Garcia', 'Gordon',
  'Graham', 'Hayes', 'Henderson', 'Hoffman', 'Hughes', 'Jensen', 'Keller', 'Kennedy', 'Kowalski',
  'Lawson', 'Lindgren', 'Lopez', 'Martin', 'Mason', 'Mitchell', 'Morgan', 'Murphy', 'Nelson',
  'Nguyen', 'Okafor', 'Olsen', 'Parker', 'Patel', 'Perry', 'Porter', 'Reed', 'Reyes', 'Rivera',
  'Roberts', 'Romano', 'Russell', 'Sanders', 'Schmidt', 'Shaw', 'Sullivan', 'Tanaka', 'Taylor',
  'Thompson', 'Torres', 'Turner', 'Walker', 'Wallace', 'Ward', 'Watson', 'Webb', 'Wheeler',
  'Whitaker', 'Wright', 'Ybarra', 'Yoder', 'Young', 'Zimmerman',
];

/** Dealer-group name parts: "<word> <suffix>" or "<surname> <suffix>". */
// prettier-ignore
export const GROUP_WORDS: ReadonlyArray<string> = [
  'Summit', 'Keystone', 'Lone Star', 'Pacific Coast', 'Great Lakes', 'Blue Ridge', 'Heartland',
  'Bayside', 'Frontier', 'Cornerstone', 'Harbor', 'Pinnacle', 'Liberty', 'Sunbelt', 'Evergreen',
  'Gulf Coast', 'Mountain West', 'Redwood', 'Tidewater', 'Capital', 'Crossroads', 'Northland',
];
// prettier-ignore
export const GROUP_SUFFIXES: ReadonlyArray<string> = [
  'Auto Group', 'Automotive Group', 'Motor Group', 'Auto Holdings', 'Automotive Partners',
  'Dealer Group',
];
